package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CloudEvents envelopes and Mustache templates over a record's JSON form, with each escaping mode. */
class PayloadFormatTest
{
    private static WebhookRecord event(final String message)
    {
        final ObjectNode json = RecordDecoder.JSON.createObjectNode();
        json.put("id", "000000000000002a");
        json.put("time", "2026-11-23T10:01:05.000000000Z");
        json.put("type", "k8s.event.warning");
        json.put("severity", "warning");
        json.put("namespace", "shop");
        json.put("pod", "cart-7f9c");
        json.put("message", message);
        json.putObject("correlation").put("id", "00000000000000aa").put("pattern", "crash-loop");
        return new WebhookRecord(false, "msg_e0000000000000007000000000000002a", "0000000000000007", json,
            "k8s.event.warning", "warning", "crash-loop", "2026-11-23T10:01:05.000000000Z", "shop/cart-7f9c");
    }

    private static String render(final PayloadFormat f, final WebhookRecord r)
    {
        return new String(f.format(r, "ep", 1_795_428_000L).body(), StandardCharsets.UTF_8);
    }

    @Test
    void cloudEventsCarryTheRecordAsDataWithIdTypeSourceSubjectTimeAndPattern() throws Exception
    {
        final PayloadFormat.Payload p = PayloadFormat.cloudEvents().format(event("Readiness probe failed"), "ep", 1);
        assertEquals("application/cloudevents+json; charset=utf-8", p.contentType());
        final JsonNode ce = RecordDecoder.JSON.readTree(p.body());
        assertEquals("1.0", ce.get("specversion").asText());
        assertEquals("msg_e0000000000000007000000000000002a", ce.get("id").asText());
        assertEquals("/tapio/node/0000000000000007", ce.get("source").asText());
        assertEquals("dev.tapio.event.k8s.event.warning", ce.get("type").asText());
        assertEquals("shop/cart-7f9c", ce.get("subject").asText());
        assertEquals("2026-11-23T10:01:05.000000000Z", ce.get("time").asText());
        assertEquals("crash-loop", ce.get("tapiopattern").asText());
        assertEquals(event("Readiness probe failed").json(), ce.get("data"));
    }

    @Test
    void jsonEscapingKeepsATemplatedJsonBodyValidWhateverTheValues() throws Exception
    {
        final String nasty = "say \"hi\"\n\\ <b>&</b> \u0001";
        final PayloadFormat f = PayloadFormat.template("t", "{\"text\":\"{{event.message}}\",\"pod\":\"{{subject}}\"," +
            "\"at\":{{webhook.timestamp}},\"to\":\"{{webhook.endpoint}}\",\"raw\":{{{json}}},\"ce\":{{{cloudevent}}}}",
            "application/json", "json");
        final JsonNode body = RecordDecoder.JSON.readTree(render(f, event(nasty)));
        assertEquals(nasty, body.get("text").asText(), "round-trips through JSON");
        assertEquals("shop/cart-7f9c", body.get("pod").asText());
        assertEquals(1_795_428_000L, body.get("at").asLong());
        assertEquals("ep", body.get("to").asText());
        assertEquals("warning", body.get("raw").get("severity").asText());
        assertEquals("1.0", body.get("ce").get("specversion").asText());
    }

    @Test
    void htmlAndNoEscapingAndSectionsOverLists()
    {
        final WebhookRecord r = event("<b>&</b>");
        assertEquals("&lt;b&gt;&amp;&lt;/b&gt;", render(PayloadFormat.template("h", "{{event.message}}", "text/html", "html"), r));
        assertEquals("<b>&</b>", render(PayloadFormat.template("n", "{{event.message}}", "text/plain", "none"), r));
        final ObjectNode group = RecordDecoder.JSON.createObjectNode();
        group.put("kind", "group").put("pattern", "crash-loop").putArray("actions").add("kubectl describe pod a").add("raise the limit");
        final WebhookRecord g = new WebhookRecord(true, "msg_g…", "0000000000000007", group, null, null, "crash-loop", "t", "k");
        assertEquals("crash-loop: kubectl describe pod a; raise the limit; ",
            render(PayloadFormat.template("g", "{{pattern}}: {{#group.actions}}{{.}}; {{/group.actions}}{{^event}}{{/event}}", "text/plain", "none"), g));
        assertEquals("group", render(PayloadFormat.template("k", "{{kind}}", "text/plain", "none"), g));
    }

    @Test
    void refusesATemplateThatDoesNotCompileOrAnUnknownEscape()
    {
        assertThrows(IllegalArgumentException.class, () -> PayloadFormat.template("bad", "{{#open}}", "application/json", "json"));
        assertThrows(IllegalArgumentException.class, () -> PayloadFormat.template("bad", "{{x}}", "application/json", "xml"));
    }
}
