package dev.tapio.exporters.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tapio.engine.Engine;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Serves a running engine's self-telemetry to Prometheus over HTTP (simpleclient's {@link HTTPServer} on the
 * JDK's HTTP server), on one port:
 *
 * <pre>
 *   GET /metrics   text format 0.0.4 or OpenMetrics (by Accept), built at scrape time by {@link EngineCollector}
 *   GET /healthz   200 "ok": the process is up
 *   GET /readyz    200 "ready", or 503 with one line per reason: a source failed, the ring is stalled
 * </pre>
 *
 * The hot path is untouched: a scrape reads the engine's counters and histograms; the optional
 * {@link EventTypeCounts} sink is the only per-event work (one array cell). Its own registry, not
 * simpleclient's default one, so two engines in one JVM can each have an exporter.
 *
 * <p>Threading: {@link #start} and {@link #close} on the host's controlling thread; requests are served by
 * simpleclient's pool of daemon threads ({@code prometheus-http-…}; it allows no other executor beside an
 * own {@code HttpServer}, which the health endpoints need).
 */
public final class PrometheusExporter implements AutoCloseable
{
    private final HTTPServer server;
    private final Readiness readiness;
    private final String listen;

    private PrometheusExporter(final PrometheusSettings settings, final Engine engine, final EventTypeCounts types,
        final LongSupplier nanoClock) throws IOException
    {
        readiness = new Readiness(new EngineProbe(engine), nanoClock, settings.stallTimeout().toNanos());
        final CollectorRegistry registry = new CollectorRegistry(true);
        registry.register(new EngineCollector(engine, types, readiness));
        registry.register(new PatternPredictions(() -> engine.counters().snapshot(), System::currentTimeMillis));
        final HttpServer http;
        try
        {
            http = HttpServer.create(settings.address(), 16);
        }
        catch (final IOException e)
        {
            throw new IOException("prometheus: cannot listen on " + settings.listen() + ": " + e.getMessage(), e);
        }
        http.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
        http.createContext("/readyz", this::ready);
        try
        {
            server = new HTTPServer.Builder().withHttpServer(http).withRegistry(registry).withDaemonThreads(true).build();
        }
        catch (final IOException | RuntimeException e)
        {
            http.stop(0);
            throw e;
        }
        final String host = settings.host();
        listen = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + server.getPort();
    }

    /**
     * Starts serving {@code engine}'s metrics on {@code settings}' address.
     *
     * @param types the engine's {@link EventTypeCounts} sink, or null for no {@code tapio_events_by_type_total}
     * @throws IOException when the address cannot be bound; the message names it
     */
    public static PrometheusExporter start(final PrometheusSettings settings, final Engine engine,
        final EventTypeCounts types) throws IOException
    {
        return new PrometheusExporter(settings, engine, types, System::nanoTime);
    }

    static PrometheusExporter start(final PrometheusSettings settings, final Engine engine,
        final EventTypeCounts types, final LongSupplier nanoClock) throws IOException
    {
        return new PrometheusExporter(settings, engine, types, nanoClock);
    }

    /** The bound port (the real one when the settings said 0). */
    public int port()
    {
        return server.getPort();
    }

    /** {@code host:port} actually listened on. */
    public String listen()
    {
        return listen;
    }

    private void ready(final HttpExchange exchange) throws IOException
    {
        final Readiness.Result r = readiness.check();
        respond(exchange, r.ready ? 200 : 503, r.ready ? "ready\n" : String.join("\n", r.reasons) + "\n");
    }

    private static void respond(final HttpExchange exchange, final int status, final String body) throws IOException
    {
        try (exchange)
        {
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            final boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head)
            {
                try (OutputStream out = exchange.getResponseBody())
                {
                    out.write(bytes);
                }
            }
        }
    }

    /** Stops listening at once and ends the request threads. Idempotent. */
    @Override
    public void close()
    {
        server.close();
    }

    /** Reads what readiness needs from the engine. */
    private static final class EngineProbe implements Readiness.Probe
    {
        private final Engine engine;

        EngineProbe(final Engine engine)
        {
            this.engine = engine;
        }

        @Override
        public long eventsOut()
        {
            return engine.counters().totalOut();
        }

        @Override
        public long ringOccupancy()
        {
            return engine.ringOccupancy();
        }

        @Override
        public Map<String, String> sourceStates()
        {
            return engine.sourceStates();
        }
    }
}
