package dev.tapio.engine;

/** How the four stages map onto threads (in the manner of Aeron's DEDICATED / SHARED). */
public enum ThreadingMode
{
    /** SHARED on machines with at most 4 cores, DEDICATED above. */
    AUTO,
    /** All stages composed onto one consumer thread. */
    SHARED,
    /** One thread per stage, each gated on the one before. */
    DEDICATED;

    public ThreadingMode resolve(final int cores)
    {
        if (this != AUTO)
        {
            return this;
        }
        return cores <= 4 ? SHARED : DEDICATED;
    }
}
