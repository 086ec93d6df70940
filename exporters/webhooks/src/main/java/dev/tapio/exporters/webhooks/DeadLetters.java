package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;

/**
 * An endpoint's dead letters: one JSON object per line in {@code <dir>/<endpoint>.jsonl} for each record
 * whose attempts ran out, written and forced to the device before the record is acked, so no record leaves
 * the journal's at-least-once path without being either delivered or written here. Also the endpoint's
 * {@code <dir>/<endpoint>.gone} marker, written when the endpoint answered 410 Gone.
 *
 * <pre>
 * {"endpoint":"pager","id":"msg_e…","journalIndex":…,"at":"…Z","attempts":10,"outcome":"client_error",
 *  "status":400,"error":null,"response":"…","record":{ the event or group record JSON }}
 * </pre>
 *
 * <p>Threading: the endpoint's thread.
 */
final class DeadLetters implements AutoCloseable
{
    private final Path file;
    private final Path gone;
    private final Clock clock;
    private FileChannel channel;

    DeadLetters(final Path dir, final String endpoint, final Clock clock)
    {
        this.file = dir.resolve(endpoint + ".jsonl");
        this.gone = dir.resolve(endpoint + ".gone");
        this.clock = clock;
    }

    Path file()
    {
        return file;
    }

    Path goneMarker()
    {
        return gone;
    }

    void write(final String endpoint, final long index, final WebhookRecord record, final int attempts,
        final WebhookSender.Attempt last) throws IOException
    {
        final ObjectNode o = RecordDecoder.JSON.createObjectNode();
        o.put("endpoint", endpoint);
        o.put("id", record.id());
        o.put("journalIndex", index);
        o.put("at", Instant.now(clock).toString());
        o.put("attempts", attempts);
        o.put("outcome", last.outcome().label);
        o.put("status", last.status());
        o.put("error", last.error());
        o.put("response", last.responseBody());
        o.set("record", record.json());
        if (channel == null)
        {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        final ByteBuffer line = ByteBuffer.wrap((RecordDecoder.JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining())
        {
            channel.write(line);
        }
        channel.force(false);
    }

    void markGone(final String why) throws IOException
    {
        Files.createDirectories(gone.getParent());
        Files.writeString(gone, Instant.now(clock) + " " + why + "\n", StandardCharsets.UTF_8);
    }

    boolean isGone()
    {
        return Files.exists(gone);
    }

    @Override
    public void close()
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // closing
            }
        }
    }
}
