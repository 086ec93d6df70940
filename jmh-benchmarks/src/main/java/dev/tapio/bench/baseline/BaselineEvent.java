package dev.tapio.bench.baseline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Map;

/**
 * The same observability event as Tapio's SBE {@code Event}, as a competent Java programmer would write
 * it without Tapio: a mutable POJO that Jackson databind maps to and from the JSON Lines form
 * (docs/EVENT-FORMAT.md field names). Strings stay strings (ids, times and enums are not parsed, which
 * only flatters the baseline); the W3C trace context is kept as longs, as Tapio keeps it, so that the
 * correlate stage of {@link BaselinePipeline} does the same work as Tapio's, and is converted to hex
 * only at the JSON boundary.
 *
 * <p>Not thread-safe; in {@link BaselinePipeline} one event is handed from stage to stage through
 * blocking queues, which order the writes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
    "id", "time", "ingestTime", "type", "source", "severity", "pid", "ppid", "uid", "cgroupId", "exitCode",
    "traceId", "spanId", "parentSpanId", "node", "namespace", "pod", "podUid", "container", "containerId",
    "unit", "comm", "message", "attributes" })
public final class BaselineEvent
{
    /** Event id, 16 hex digits. */
    public String id;
    /** Event time, RFC 3339. */
    public String time;
    /** Ingest time, RFC 3339 (written by Tapio's JSON writer; absent on input). */
    public String ingestTime;
    /** Dotted event type, e.g. {@code k8s.pod.restarted}. Required. */
    public String type;
    /** Collector family, e.g. {@code kubernetes}. Required. */
    public String source;
    /** Severity, e.g. {@code warning}. Required. */
    public String severity;
    public Integer pid;
    public Integer ppid;
    public Long uid;
    public Long cgroupId;
    public Integer exitCode;
    public String node;
    public String namespace;
    public String pod;
    public String podUid;
    public String container;
    public String containerId;
    public String unit;
    public String comm;
    public String message;
    public Map<String, String> attributes;

    /** W3C trace id, high and low 8 bytes; both 0 means none. */
    @JsonIgnore
    public long traceIdHi;
    @JsonIgnore
    public long traceIdLo;
    /** W3C span ids; 0 means none. */
    @JsonIgnore
    public long spanIdBits;
    @JsonIgnore
    public long parentSpanIdBits;

    /** Pipeline only: numeric node identity stamped by the enrich stage. */
    @JsonIgnore
    public long nodeId;
    /** Pipeline only: monotonic ns the producer handed the event in (for latency, like Tapio's origin). */
    @JsonIgnore
    public long ingestNanos;

    public BaselineEvent()
    {
    }

    /** A shallow copy: strings and the attribute map are shared (both treated as immutable). */
    public BaselineEvent(final BaselineEvent o)
    {
        id = o.id;
        time = o.time;
        ingestTime = o.ingestTime;
        type = o.type;
        source = o.source;
        severity = o.severity;
        pid = o.pid;
        ppid = o.ppid;
        uid = o.uid;
        cgroupId = o.cgroupId;
        exitCode = o.exitCode;
        node = o.node;
        namespace = o.namespace;
        pod = o.pod;
        podUid = o.podUid;
        container = o.container;
        containerId = o.containerId;
        unit = o.unit;
        comm = o.comm;
        message = o.message;
        attributes = o.attributes;
        traceIdHi = o.traceIdHi;
        traceIdLo = o.traceIdLo;
        spanIdBits = o.spanIdBits;
        parentSpanIdBits = o.parentSpanIdBits;
        nodeId = o.nodeId;
        ingestNanos = o.ingestNanos;
    }

    @JsonProperty("traceId")
    public String getTraceId()
    {
        if ((traceIdHi | traceIdLo) == 0)
        {
            return null;
        }
        final char[] c = new char[32];
        hex(traceIdHi, c, 0);
        hex(traceIdLo, c, 16);
        return new String(c);
    }

    @JsonProperty("traceId")
    public void setTraceId(final String hex)
    {
        if (hex == null)
        {
            traceIdHi = 0;
            traceIdLo = 0;
            return;
        }
        if (hex.length() != 32)
        {
            throw new IllegalArgumentException("traceId: expected 32 hex digits");
        }
        traceIdHi = Long.parseUnsignedLong(hex, 0, 16, 16);
        traceIdLo = Long.parseUnsignedLong(hex, 16, 32, 16);
    }

    @JsonProperty("spanId")
    public String getSpanId()
    {
        return spanIdBits == 0 ? null : hex16(spanIdBits);
    }

    @JsonProperty("spanId")
    public void setSpanId(final String hex)
    {
        spanIdBits = hex == null ? 0 : Long.parseUnsignedLong(hex, 16);
    }

    @JsonProperty("parentSpanId")
    public String getParentSpanId()
    {
        return parentSpanIdBits == 0 ? null : hex16(parentSpanIdBits);
    }

    @JsonProperty("parentSpanId")
    public void setParentSpanId(final String hex)
    {
        parentSpanIdBits = hex == null ? 0 : Long.parseUnsignedLong(hex, 16);
    }

    private static String hex16(final long v)
    {
        final char[] c = new char[16];
        hex(v, c, 0);
        return new String(c);
    }

    private static void hex(final long v, final char[] c, final int offset)
    {
        for (int i = 0; i < 16; i++)
        {
            c[offset + i] = Character.forDigit((int)(v >>> (60 - 4 * i)) & 0xF, 16);
        }
    }

    @Override
    public String toString()
    {
        return "BaselineEvent{type=" + type + ", source=" + source + ", severity=" + severity + ", node=" + node +
            ", namespace=" + namespace + ", pod=" + pod + ", traceId=" + getTraceId() + ", spanId=" + getSpanId() + '}';
    }
}
