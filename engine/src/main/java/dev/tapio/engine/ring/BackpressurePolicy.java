package dev.tapio.engine.ring;

/** What a source's publisher does when the ring is full. */
public enum BackpressurePolicy
{
    /** Wait for space: nothing is lost, the source slows down (default). */
    BLOCK,
    /** Drop the event and count it as dropped{reason="backpressure"}: the source never waits. */
    DROP
}
