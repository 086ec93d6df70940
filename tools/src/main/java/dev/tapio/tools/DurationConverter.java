package dev.tapio.tools;

import dev.tapio.engine.config.Units;
import picocli.CommandLine;

import java.time.Duration;

/** Parses {@code 30s}, {@code 500ms}, {@code 5m} for options; picocli reports failures naming the option. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration>
{
    @Override
    public Duration convert(final String value)
    {
        try
        {
            return Units.parseDuration(value);
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
