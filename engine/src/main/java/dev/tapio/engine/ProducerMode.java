package dev.tapio.engine;

/** Whether the ring is claimed by one producer thread or several. */
public enum ProducerMode
{
    /** SINGLE when exactly one source is configured, MULTI otherwise. */
    AUTO,
    /** One producer thread: cheaper claims; host publishers are then not available. */
    SINGLE,
    /** Any number of producer threads (CAS on claim). */
    MULTI
}
