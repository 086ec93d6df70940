package dev.tapio.tools;

import dev.tapio.engine.config.Units;
import picocli.CommandLine;

/** Parses {@code 165000}, {@code 165k/s}, {@code max} into events per second (0 = unlimited). */
public final class RateConverter implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        try
        {
            return Units.parseRate(value);
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
