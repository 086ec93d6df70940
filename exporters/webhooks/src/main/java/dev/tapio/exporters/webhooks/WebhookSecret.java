package dev.tapio.exporters.webhooks;

import java.util.Arrays;
import java.util.Base64;

/**
 * A Standard Webhooks signing secret: {@code whsec_} followed by the base64 of the key bytes (the prefix
 * is optional when parsing, as the spec's libraries accept it). Immutable; {@link #toString()} never shows
 * the key.
 */
public final class WebhookSecret
{
    public static final String PREFIX = "whsec_";
    /** Shortest key accepted, in bytes (the spec recommends 24 to 64; 16 keeps short test keys usable). */
    public static final int MIN_KEY_BYTES = 16;
    public static final int MAX_KEY_BYTES = 64;

    private final byte[] key;

    private WebhookSecret(final byte[] key)
    {
        this.key = key;
    }

    /**
     * Parses {@code whsec_<base64>}.
     *
     * @throws IllegalArgumentException saying what is wrong, without echoing the secret.
     */
    public static WebhookSecret parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("empty secret (expected whsec_<base64>)");
        }
        final String b64 = text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text;
        final byte[] key;
        try
        {
            key = Base64.getDecoder().decode(b64.trim());
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("secret is not whsec_ followed by standard base64 (" + e.getMessage() + ")");
        }
        if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES)
        {
            throw new IllegalArgumentException("secret key must be " + MIN_KEY_BYTES + " to " + MAX_KEY_BYTES +
                " bytes, got " + key.length);
        }
        return new WebhookSecret(key);
    }

    /** A new random secret of 32 bytes, e.g. for {@code tapio webhooks test} without {@code --secret}. */
    public static WebhookSecret random()
    {
        final byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return new WebhookSecret(key);
    }

    /** The secret as written in config: {@code whsec_<base64>}. */
    public String encoded()
    {
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    byte[] key()
    {
        return key;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof WebhookSecret && java.security.MessageDigest.isEqual(key, ((WebhookSecret)o).key);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(key);
    }

    @Override
    public String toString()
    {
        return "whsec_…(" + key.length + " bytes)";
    }
}
