package dev.tapio.exporters.webhooks;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.BAD_TIMESTAMP;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.MISSING_HEADERS;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.NO_MATCH;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.NO_SIGNATURE;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.REPLAYED;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.TOO_NEW;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.TOO_OLD;
import static dev.tapio.exporters.webhooks.WebhookVerifier.Result.VALID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Standard Webhooks signing and verification, starting from the spec's published example. */
class WebhookSignatureTest
{
    /** The Standard Webhooks spec's and reference libraries' test vector. */
    static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long SPEC_TIMESTAMP = 1614265330L;
    static final byte[] SPEC_PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static Clock at(final long epochSeconds)
    {
        return Clock.fixed(Instant.ofEpochSecond(epochSeconds), ZoneOffset.UTC);
    }

    @Test
    void signsTheSpecsPublishedExampleToItsPublishedSignature()
    {
        assertEquals(SPEC_SIGNATURE, WebhookSigner.sign(WebhookSecret.parse(SPEC_SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD));
    }

    @Test
    void verifiesTheSpecsPublishedExampleAtItsTimestamp()
    {
        final WebhookVerifier v = WebhookVerifier.builder().secret(SPEC_SECRET).clock(at(SPEC_TIMESTAMP)).build();
        assertEquals(VALID, v.verify(Map.of("Webhook-Id", SPEC_ID, "Webhook-Timestamp", Long.toString(SPEC_TIMESTAMP),
            "Webhook-Signature", SPEC_SIGNATURE), SPEC_PAYLOAD));
    }

    @Test
    void rejectsATamperedBodyIdOrTimestamp()
    {
        final WebhookVerifier v = WebhookVerifier.builder().secret(SPEC_SECRET).clock(at(SPEC_TIMESTAMP)).replayCache(0).build();
        final byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);
        assertEquals(NO_MATCH, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, tampered));
        assertEquals(NO_MATCH, v.verify(SPEC_ID + "x", Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(NO_MATCH, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP + 1), SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(NO_SIGNATURE, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), "v2,abc", SPEC_PAYLOAD));
        assertEquals(NO_MATCH, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), "v1,not*base64 v1,AAAA", SPEC_PAYLOAD));
        assertEquals(MISSING_HEADERS, v.verify(Map.of("webhook-id", SPEC_ID), SPEC_PAYLOAD));
        assertEquals(BAD_TIMESTAMP, v.verify(SPEC_ID, "yesterday", SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(VALID, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_PAYLOAD));
    }

    @Test
    void acceptsTimestampsWithinFiveMinutesEitherWayOnly()
    {
        final String ts = Long.toString(SPEC_TIMESTAMP);
        final Duration five = Duration.ofMinutes(5);
        assertEquals(VALID, verifier(SPEC_TIMESTAMP + five.getSeconds()).verify(SPEC_ID, ts, SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(TOO_OLD, verifier(SPEC_TIMESTAMP + five.getSeconds() + 1).verify(SPEC_ID, ts, SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(VALID, verifier(SPEC_TIMESTAMP - five.getSeconds()).verify(SPEC_ID, ts, SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(TOO_NEW, verifier(SPEC_TIMESTAMP - five.getSeconds() - 1).verify(SPEC_ID, ts, SPEC_SIGNATURE, SPEC_PAYLOAD));
        final WebhookVerifier captured = WebhookVerifier.builder().secret(SPEC_SECRET).tolerance(Duration.ofSeconds(-1)).build();
        assertEquals(VALID, captured.verify(SPEC_ID, ts, SPEC_SIGNATURE, SPEC_PAYLOAD), "tolerance off for a captured request");
    }

    private static WebhookVerifier verifier(final long now)
    {
        return WebhookVerifier.builder().secret(SPEC_SECRET).clock(at(now)).build();
    }

    @Test
    void rejectsAReplayedIdUntilForgottenAndRemembersABoundedNumber()
    {
        final WebhookVerifier v = WebhookVerifier.builder().secret(SPEC_SECRET).clock(at(SPEC_TIMESTAMP)).replayCache(2).build();
        final WebhookSecret s = WebhookSecret.parse(SPEC_SECRET);
        assertEquals(VALID, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_PAYLOAD));
        assertEquals(REPLAYED, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_PAYLOAD));
        v.forget(SPEC_ID);
        assertEquals(VALID, v.verify(SPEC_ID, Long.toString(SPEC_TIMESTAMP), SPEC_SIGNATURE, SPEC_PAYLOAD), "accepted again once forgotten");
        for (int i = 0; i < 5; i++)
        {
            final String id = "msg_" + i;
            assertEquals(VALID, v.verify(id, Long.toString(SPEC_TIMESTAMP), WebhookSigner.sign(s, id, SPEC_TIMESTAMP, SPEC_PAYLOAD), SPEC_PAYLOAD));
        }
        assertEquals(2, v.remembered(), "bounded");
    }

    @Test
    void acceptsEitherSecretDuringARotationOnBothSides()
    {
        final WebhookSecret oldSecret = WebhookSecret.parse(SPEC_SECRET);
        final WebhookSecret newSecret = WebhookSecret.random();
        final String header = WebhookSigner.signatures(List.of(newSecret, oldSecret), SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD);
        assertEquals(2, header.split(" ").length, "one signature per secret: " + header);
        assertEquals(SPEC_SIGNATURE, header.split(" ")[1]);
        final String ts = Long.toString(SPEC_TIMESTAMP);
        assertEquals(VALID, WebhookVerifier.builder().secret(oldSecret).clock(at(SPEC_TIMESTAMP)).build().verify(SPEC_ID, ts, header, SPEC_PAYLOAD),
            "a receiver that still has the old secret");
        assertEquals(VALID, WebhookVerifier.builder().secret(newSecret).clock(at(SPEC_TIMESTAMP)).build().verify(SPEC_ID, ts, header, SPEC_PAYLOAD),
            "a receiver that has the new one");
        assertEquals(VALID, WebhookVerifier.builder().secret(WebhookSecret.random()).secret(oldSecret).clock(at(SPEC_TIMESTAMP)).build()
            .verify(SPEC_ID, ts, SPEC_SIGNATURE, SPEC_PAYLOAD), "a receiver that rotates: any of its secrets");
        assertEquals(NO_MATCH, WebhookVerifier.builder().secret(WebhookSecret.random()).clock(at(SPEC_TIMESTAMP)).build()
            .verify(SPEC_ID, ts, header, SPEC_PAYLOAD));
    }

    @Test
    void refusesSecretsThatAreNotWhsecBase64OfAUsableLength()
    {
        assertEquals(SPEC_SECRET, WebhookSecret.parse(SPEC_SECRET).encoded());
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_not base64!"));
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_AAAA"));
        assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse(""));
        assertEquals("whsec_…(24 bytes)", WebhookSecret.parse(SPEC_SECRET).toString(), "never printed");
    }
}
