package dev.tapio.engine;

/** The observable state of one source's thread. */
public enum SourceState
{
    NEW, RUNNING, DONE, FAILED
}
