package dev.tapio.tools.replay;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.tapio.codecs.json.JsonEventWriter;
import dev.tapio.codecs.json.JsonGroupWriter;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.IntFunction;

/**
 * {@code --format json}: one JSON object per line, events as {@link JsonEventWriter} writes them (pattern
 * names included), groups as {@link JsonGroupWriter} writes them ({@code "kind":"group"}); byte for byte
 * what the file sink and {@code tapio correlate} write. A byte-based generator: no per-event objects.
 */
public final class JsonRecordPrinter implements RecordPrinter
{
    private final JsonEventWriter events = new JsonEventWriter();
    private final JsonGroupWriter groups = new JsonGroupWriter();
    private final JsonGenerator generator;

    public JsonRecordPrinter(final OutputStream out, final IntFunction<String> patternNames) throws IOException
    {
        events.patternNames(patternNames);
        generator = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build()
            .createGenerator(out, JsonEncoding.UTF8);
        generator.setRootValueSeparator(null);
    }

    @Override
    public void event(final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        events.write(buffer, offset, generator);
        generator.writeRaw('\n');
    }

    @Override
    public void group(final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        groups.write(buffer, offset, generator);
        generator.writeRaw('\n');
    }

    @Override
    public void flush() throws IOException
    {
        generator.flush();
    }
}
