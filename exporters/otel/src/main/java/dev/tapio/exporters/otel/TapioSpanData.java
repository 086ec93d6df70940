package dev.tapio.exporters.otel;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;

import java.util.List;

/**
 * One finished span as Tapio made it: the SDK's {@link SpanData} filled from journal records instead of
 * from a live {@code Span}, so that trace and span ids are the ones correlation assigned (the SDK's span
 * builder would generate its own). The OTLP exporters take it as they take SDK spans. Immutable.
 */
final class TapioSpanData implements SpanData
{
    static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.builder("dev.tapio.exporters.otel").build();

    private final String name;
    private final SpanContext context;
    private final SpanContext parent;
    private final StatusData status;
    private final long startNanos;
    private final long endNanos;
    private final Attributes attributes;
    private final List<LinkData> links;
    private final Resource resource;

    TapioSpanData(final String name, final SpanContext context, final SpanContext parent, final StatusData status,
        final long startNanos, final long endNanos, final Attributes attributes, final List<LinkData> links,
        final Resource resource)
    {
        this.name = name;
        this.context = context;
        this.parent = parent;
        this.status = status;
        this.startNanos = startNanos;
        this.endNanos = Math.max(startNanos, endNanos);
        this.attributes = attributes;
        this.links = List.copyOf(links);
        this.resource = resource;
    }

    @Override
    public String getName()
    {
        return name;
    }

    @Override
    public SpanKind getKind()
    {
        return SpanKind.INTERNAL;
    }

    @Override
    public SpanContext getSpanContext()
    {
        return context;
    }

    @Override
    public SpanContext getParentSpanContext()
    {
        return parent;
    }

    @Override
    public StatusData getStatus()
    {
        return status;
    }

    @Override
    public long getStartEpochNanos()
    {
        return startNanos;
    }

    @Override
    public Attributes getAttributes()
    {
        return attributes;
    }

    @Override
    public List<EventData> getEvents()
    {
        return List.of();
    }

    @Override
    public List<LinkData> getLinks()
    {
        return links;
    }

    @Override
    public long getEndEpochNanos()
    {
        return endNanos;
    }

    @Override
    public boolean hasEnded()
    {
        return true;
    }

    @Override
    public int getTotalRecordedEvents()
    {
        return 0;
    }

    @Override
    public int getTotalRecordedLinks()
    {
        return links.size();
    }

    @Override
    public int getTotalAttributeCount()
    {
        return attributes.size();
    }

    @Override
    @Deprecated
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo()
    {
        return InstrumentationLibraryInfo.create(SCOPE.getName(), null);
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo()
    {
        return SCOPE;
    }

    @Override
    public Resource getResource()
    {
        return resource;
    }

    @Override
    public String toString()
    {
        return "span{" + name + " " + context.getTraceId() + "/" + context.getSpanId() + " parent=" +
            parent.getSpanId() + "}";
    }
}
