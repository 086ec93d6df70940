package dev.tapio.exporters.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * {@code <webhook-id>.<webhook-timestamp>.<body>} and a signature is {@code v1,} + base64(HMAC-SHA256(key,
 * content)). With several secrets (during a rotation) the {@code webhook-signature} header carries one
 * signature per secret, separated by spaces, so a receiver that knows either secret accepts the request.
 *
 * <p>Stateless apart from a {@link Mac} per thread; thread-safe.
 */
public final class WebhookSigner
{
    public static final String HEADER_ID = "webhook-id";
    public static final String HEADER_TIMESTAMP = "webhook-timestamp";
    public static final String HEADER_SIGNATURE = "webhook-signature";
    /** The only signature scheme of the spec's symmetric variant. */
    public static final String VERSION = "v1";

    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() ->
    {
        try
        {
            return Mac.getInstance("HmacSHA256");
        }
        catch (final GeneralSecurityException e)
        {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    });

    private WebhookSigner()
    {
    }

    /** The raw HMAC-SHA256 of {@code id.timestamp.body} under {@code secret}. */
    static byte[] mac(final WebhookSecret secret, final String id, final long timestamp, final byte[] body)
    {
        final Mac mac = MAC.get();
        try
        {
            mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
        }
        catch (final java.security.InvalidKeyException e)
        {
            throw new IllegalStateException(e);
        }
        mac.update(id.getBytes(StandardCharsets.UTF_8));
        mac.update((byte)'.');
        mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
        mac.update((byte)'.');
        return mac.doFinal(body);
    }

    /** One signature, {@code v1,<base64>}. */
    public static String sign(final WebhookSecret secret, final String id, final long timestamp, final byte[] body)
    {
        return VERSION + "," + Base64.getEncoder().encodeToString(mac(secret, id, timestamp, body));
    }

    /** The {@code webhook-signature} header value: one signature per secret, in order, space-separated. */
    public static String signatures(final List<WebhookSecret> secrets, final String id, final long timestamp,
        final byte[] body)
    {
        final StringBuilder sb = new StringBuilder();
        for (final WebhookSecret s : secrets)
        {
            if (sb.length() > 0)
            {
                sb.append(' ');
            }
            sb.append(sign(s, id, timestamp, body));
        }
        return sb.toString();
    }
}
