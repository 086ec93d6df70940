package dev.tapio.codecs.json;

/** A JSON event that cannot be taken in; the message names the field and the problem. */
public final class EventFormatException extends Exception
{
    private static final long serialVersionUID = 1L;

    public EventFormatException(final String message)
    {
        super(message, null, false, false);
    }
}
