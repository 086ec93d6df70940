package dev.tapio.engine.testing;

import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;

/** A source whose run() is given by the test. Keeps the context it was run with, for the test to read. */
public final class ScriptedSource implements Source
{
    /** The body of {@link Source#run}. */
    @FunctionalInterface
    public interface Body
    {
        void run(SourceContext context) throws Exception;
    }

    private final String name;
    private final Body body;
    private volatile SourceContext context;

    public ScriptedSource(final String name, final Body body)
    {
        this.name = name;
        this.body = body;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.GRPC;
    }

    @Override
    public void run(final SourceContext context) throws Exception
    {
        this.context = context;
        body.run(context);
    }

    /** The context, once run() was called; null before. */
    public SourceContext context()
    {
        return context;
    }
}
