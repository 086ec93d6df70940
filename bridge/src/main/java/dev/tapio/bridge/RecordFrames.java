package dev.tapio.bridge;

/**
 * The framing of records inside a {@code Batch.records} field: each record is a little-endian int32
 * length followed by that many bytes of one SBE message (an Event or a Group of schema 7301).
 *
 * <pre>
 *   | len0 (4, LE) | record 0 (len0 bytes) | len1 (4, LE) | record 1 (len1 bytes) | ...
 * </pre>
 */
public final class RecordFrames
{
    /** Bytes of the length prefix in front of each record. */
    public static final int LENGTH_PREFIX = 4;

    private RecordFrames()
    {
    }
}
