package dev.tapio.engine.config;

/** Bad configuration: the message names the file, line and key, e.g. {@code tapio.yaml:12: engine.ringSize: ...}. */
public final class ConfigException extends Exception
{
    private static final long serialVersionUID = 1L;

    public ConfigException(final String message)
    {
        super(message);
    }

    public ConfigException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
