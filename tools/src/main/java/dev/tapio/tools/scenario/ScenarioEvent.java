package dev.tapio.tools.scenario;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of a scenario file, as far as grouping needs it: the id (parsed from its hex text), the
 * event time in epoch nanoseconds, the type, namespace and node, the 1-based line it came from, and the
 * whole JSON object for anything else.
 */
public final class ScenarioEvent
{
    private final long id;
    private final long timeNanos;
    private final String type;
    private final String namespace;
    private final String node;
    private final int line;
    private final JsonNode json;

    public ScenarioEvent(final long id, final long timeNanos, final String type, final String namespace,
        final String node, final int line, final JsonNode json)
    {
        this.id = id;
        this.timeNanos = timeNanos;
        this.type = type;
        this.namespace = namespace == null ? "" : namespace;
        this.node = node == null ? "" : node;
        this.line = line;
        this.json = json;
    }

    public long id()
    {
        return id;
    }

    /** Event time, epoch nanoseconds. */
    public long timeNanos()
    {
        return timeNanos;
    }

    public String type()
    {
        return type;
    }

    /** The namespace, empty when absent. */
    public String namespace()
    {
        return namespace;
    }

    /** The node, empty when absent. */
    public String node()
    {
        return node;
    }

    /** 1-based line number in the file (arrival order). */
    public int line()
    {
        return line;
    }

    /** The event's JSON object as read. */
    public JsonNode json()
    {
        return json;
    }

    /** A string field of the event, or empty when absent or not a string. */
    public String text(final String field)
    {
        final JsonNode v = json == null ? null : json.get(field);
        return v == null || !v.isValueNode() || v.isNull() ? "" : v.asText();
    }

    @Override
    public String toString()
    {
        return ScenarioGroup.hex(id) + " " + type + " line " + line;
    }
}
