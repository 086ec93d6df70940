package dev.tapio.tools.replay;

import org.agrona.DirectBuffer;

import java.io.IOException;

/**
 * Prints journal records (validated SBE messages, header first) in one output format. Not thread-safe:
 * one printing thread at a time (the scanning thread, or the engine's fan-out thread in what-if mode).
 */
public interface RecordPrinter
{
    void event(DirectBuffer buffer, int offset, int length) throws IOException;

    void group(DirectBuffer buffer, int offset, int length) throws IOException;

    /** Pushes what is buffered to the output. */
    void flush() throws IOException;
}
