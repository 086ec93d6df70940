package dev.tapio.tools.scenario;

import java.io.IOException;
import java.nio.file.Path;

/** A scenario file that does not follow the suite's format; the message starts with the file (and line). */
public final class ScenarioFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    public ScenarioFormatException(final Path file, final String message)
    {
        super(file + ": " + message);
    }

    public ScenarioFormatException(final Path file, final int line, final String message)
    {
        super(file + ":" + line + ": " + message);
    }
}
