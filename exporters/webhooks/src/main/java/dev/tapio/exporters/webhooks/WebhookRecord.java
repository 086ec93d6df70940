package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One journal record as a webhook sees it: its JSON form (docs/EVENT-FORMAT.md §2 for an event, §10 for a
 * group record), the fields filters and payloads use, and its webhook id. The id is derived from the record
 * alone (node id, record id and, for a group, its status), so every attempt — in this run or after a
 * restart, or from a replayed journal — carries the same {@code webhook-id} and a receiver can de-duplicate.
 *
 * @param group    true for a correlation group record, false for an event.
 * @param id       the webhook id, {@code msg_e<node><event id>} or {@code msg_g<node><group id><status>} in hex.
 * @param node     the numeric node id, 16 hex digits.
 * @param json     the record's JSON form (the object the file sink and {@code tapio replay} print).
 * @param type     an event's type name; null for a group.
 * @param severity an event's severity name; null for a group.
 * @param pattern  a group's pattern, or the pattern of the group an event is correlated into (null if none).
 * @param time     an event's {@code time}, a group's {@code end} (RFC 3339).
 * @param subject  what the record is about: namespace/pod, node, unit (events) or the group key.
 */
public record WebhookRecord(boolean group, String id, String node, ObjectNode json, String type, String severity,
    String pattern, String time, String subject)
{
    public boolean isGroup()
    {
        return group;
    }

    public String kind()
    {
        return group ? "group" : "event";
    }
}
