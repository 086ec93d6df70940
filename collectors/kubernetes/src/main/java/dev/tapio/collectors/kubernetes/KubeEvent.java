package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * One Kubernetes event the informer threads have found, waiting in the collector's queue for its thread to
 * encode and publish it. An object per Kubernetes event is fine here: these come from the API server at
 * human rates, not from the kernel. Immutable once queued.
 */
final class KubeEvent
{
    final EventType type;
    Severity severity = Severity.INFO;
    long timestamp;
    String node = "";
    String namespace = "";
    String pod = "";
    String podUid = "";
    String container = "";
    String containerId = "";
    String message = "";
    int exitCode = EventDraft.EXIT_CODE_NULL;
    final List<String> attributes = new ArrayList<>(4);

    KubeEvent(final EventType type)
    {
        this.type = type;
    }

    KubeEvent attribute(final String key, final String value)
    {
        if (value != null && !value.isEmpty())
        {
            attributes.add(key);
            attributes.add(value);
        }
        return this;
    }

    /** The value of an attribute, or null (tests). */
    String attribute(final String key)
    {
        for (int i = 0; i < attributes.size(); i += 2)
        {
            if (attributes.get(i).equals(key))
            {
                return attributes.get(i + 1);
            }
        }
        return null;
    }

    EventDraft writeTo(final EventDraft d)
    {
        d.reset();
        d.type = type;
        d.source = Source.KUBERNETES;
        d.severity = severity;
        d.timestamp = timestamp;
        d.exitCode = exitCode;
        d.text(EventDraft.NODE).set(node);
        d.text(EventDraft.NAMESPACE).set(namespace);
        d.text(EventDraft.POD).set(pod);
        d.text(EventDraft.POD_UID).set(podUid);
        d.text(EventDraft.CONTAINER).set(container);
        d.text(EventDraft.CONTAINER_ID).set(containerId);
        d.text(EventDraft.MESSAGE).set(message);
        for (int i = 0; i < attributes.size(); i += 2)
        {
            d.addAttribute(attributes.get(i), attributes.get(i + 1));
        }
        return d;
    }

    /** An RFC 3339 time of the API as epoch nanoseconds; 0 (the ingest time) when absent or unreadable. */
    static long nanos(final String rfc3339)
    {
        if (rfc3339 == null || rfc3339.isEmpty())
        {
            return 0;
        }
        try
        {
            final Instant t = Instant.parse(rfc3339);
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }
        catch (final DateTimeParseException e)
        {
            return 0;
        }
    }

    static String nonNull(final String s)
    {
        return s == null ? "" : s;
    }

    @Override
    public String toString()
    {
        return type + " " + namespace + "/" + pod + (container.isEmpty() ? "" : " " + container) + " " + attributes;
    }
}
