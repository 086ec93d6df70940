package dev.tapio.tools.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.Rfc3339;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a scenario's events file (JSON Lines, docs/EVENT-FORMAT.md §1) stricter than the engine does:
 * the suite needs every event to carry an explicit {@code id} of 1–16 hex digits (unique in the file), an
 * explicit RFC 3339 {@code time} and a {@code type}, so that expected groups can name events and a
 * replay is reproducible. Blank lines are skipped.
 */
public final class ScenarioEvents
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX_ID = Pattern.compile("[0-9a-fA-F]{1,16}");

    private ScenarioEvents()
    {
    }

    /** Parses an id as the suite writes it: 1–16 hex digits, either case. */
    public static long parseId(final String text)
    {
        if (text == null || !HEX_ID.matcher(text).matches())
        {
            throw new IllegalArgumentException("expected 1-16 hex digits, got \"" + text + "\"");
        }
        return Long.parseUnsignedLong(text, 16);
    }

    /**
     * Reads every event of a file in line (arrival) order.
     *
     * @throws ScenarioFormatException naming the file and line of the first bad event or repeated id.
     */
    public static List<ScenarioEvent> read(final Path file) throws IOException
    {
        final List<ScenarioEvent> events = new ArrayList<>();
        final Map<Long, Integer> lineOfId = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            String text;
            int line = 0;
            while ((text = in.readLine()) != null)
            {
                line++;
                if (text.isBlank())
                {
                    continue;
                }
                final ScenarioEvent e = parse(file, line, text);
                final Integer first = lineOfId.putIfAbsent(e.id(), line);
                if (first != null)
                {
                    throw new ScenarioFormatException(file, line,
                        "id " + e.text("id") + " repeats the id of line " + first);
                }
                events.add(e);
            }
        }
        return events;
    }

    private static ScenarioEvent parse(final Path file, final int line, final String text)
        throws ScenarioFormatException
    {
        final JsonNode o;
        try
        {
            o = JSON.readTree(text);
        }
        catch (final JsonProcessingException e)
        {
            throw new ScenarioFormatException(file, line, "malformed JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject())
        {
            throw new ScenarioFormatException(file, line, "expected a JSON object");
        }
        final JsonNode id = o.get("id");
        if (id == null || !id.isTextual())
        {
            throw new ScenarioFormatException(file, line, "missing \"id\": every scenario event needs 1-16 hex digits");
        }
        final long parsedId;
        try
        {
            parsedId = parseId(id.asText());
        }
        catch (final IllegalArgumentException e)
        {
            throw new ScenarioFormatException(file, line, "\"id\": " + e.getMessage());
        }
        final JsonNode time = o.get("time");
        if (time == null || !time.isTextual())
        {
            throw new ScenarioFormatException(file, line, "missing \"time\": every scenario event needs an RFC 3339 time");
        }
        final long nanos;
        try
        {
            nanos = Rfc3339.parse(time.asText());
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException e)
        {
            throw new ScenarioFormatException(file, line, "\"time\": " + e.getMessage());
        }
        final JsonNode type = o.get("type");
        if (type == null || !type.isTextual() || type.asText().isEmpty())
        {
            throw new ScenarioFormatException(file, line, "missing \"type\"");
        }
        return new ScenarioEvent(parsedId, nanos, type.asText(), textOf(o, "namespace"), textOf(o, "node"), line, o);
    }

    private static String textOf(final JsonNode o, final String field)
    {
        final JsonNode v = o.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }
}
