package dev.tapio.tools.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.HashMap;
import java.util.Map;

/**
 * The event as a competent user would model it without Tapio: a mutable POJO that Jackson binds
 * the JSON event format to. One object per event, as such pipelines do.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class BaselineEvent
{
    public String id;
    public String time;
    public String type;
    public String source;
    public String severity;
    public String node;
    public String namespace;
    public String pod;
    public String podUid;
    public String container;
    public String containerId;
    public String unit;
    public String comm;
    public String message;
    public Integer pid;
    public Integer ppid;
    public Long uid;
    public Long cgroupId;
    public Integer exitCode;
    public Map<String, String> attributes;
    public String traceId;
    public String spanId;
    @JsonIgnore
    public long originNanos;

    /** A fresh copy, as a collector builds a new object per event. */
    public BaselineEvent copy()
    {
        final BaselineEvent e = new BaselineEvent();
        e.id = id;
        e.time = time;
        e.type = type;
        e.source = source;
        e.severity = severity;
        e.node = node;
        e.namespace = namespace;
        e.pod = pod;
        e.podUid = podUid;
        e.container = container;
        e.containerId = containerId;
        e.unit = unit;
        e.comm = comm;
        e.message = message;
        e.pid = pid;
        e.ppid = ppid;
        e.uid = uid;
        e.cgroupId = cgroupId;
        e.exitCode = exitCode;
        e.attributes = attributes == null ? null : new HashMap<>(attributes);
        return e;
    }
}
