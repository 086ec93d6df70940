package dev.tapio.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The durable positions of named tailers: one small memory-mapped file per tailer,
 * {@code <journal dir>/tailers/<name>.ack}, so that a position survives kill -9 the moment it is written
 * (the page cache holds it) and any process can read it.
 *
 * <pre>
 *  offset  0  magic    "TAPIOACK" (8 B)
 *          8  version  int32 = 1
 *         12  (unused)
 *         16  acked    int64  Chronicle index of the last acked record; -1 = nothing acked yet
 *         24  ackedAt  int64  epoch ms of that ack
 *         32 … 63 (unused)
 * </pre>
 *
 * Little-endian; {@code acked} is 8-byte aligned, so its single store is never torn.
 */
final class TailerPositions
{
    static final String DIR = "tailers";
    static final String SUFFIX = ".ack";
    static final int FILE_LENGTH = 64;
    static final long MAGIC = 0x4B43414F49504154L; // "TAPIOACK" little-endian
    static final int VERSION = 1;
    static final int VERSION_OFFSET = 8;
    static final int ACKED_OFFSET = 16;
    static final int ACKED_AT_OFFSET = 24;
    static final long NONE = -1;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private TailerPositions()
    {
    }

    static void checkName(final String name)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new IllegalArgumentException("tailer name \"" + name +
                "\": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    static Path file(final Path journalDir, final String name)
    {
        return journalDir.resolve(DIR).resolve(name + SUFFIX);
    }

    /** Every tailer's acked index by name (NONE when it has acked nothing); unreadable files are skipped. */
    static Map<String, Long> readAll(final Path journalDir)
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        readAllWithTimes(journalDir).forEach((name, position) -> out.put(name, position[0]));
        return out;
    }

    /** Every tailer's {acked index, epoch ms of that ack} by name; unreadable files are skipped. */
    static Map<String, long[]> readAllWithTimes(final Path journalDir)
    {
        final Map<String, long[]> out = new LinkedHashMap<>();
        final Path d = journalDir.resolve(DIR);
        if (!Files.isDirectory(d))
        {
            return out;
        }
        try (Stream<Path> files = Files.list(d))
        {
            files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().forEach(p ->
            {
                final String f = p.getFileName().toString();
                try
                {
                    final byte[] bytes = Files.readAllBytes(p);
                    if (bytes.length >= FILE_LENGTH)
                    {
                        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                        if (b.getLong(0) == MAGIC)
                        {
                            out.put(f.substring(0, f.length() - SUFFIX.length()),
                                new long[]{ b.getLong(ACKED_OFFSET), b.getLong(ACKED_AT_OFFSET) });
                        }
                    }
                }
                catch (final IOException ignored)
                {
                    // a tailer file being created or removed right now
                }
            });
        }
        catch (final IOException ignored)
        {
            // the directory went away
        }
        return out;
    }
}
