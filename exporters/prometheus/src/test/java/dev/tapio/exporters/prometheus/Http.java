package dev.tapio.exporters.prometheus;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Loopback HTTP GETs and deadline polling for the exporter's tests (no sleeps as synchronization). */
final class Http
{
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http()
    {
    }

    static HttpResponse<String> get(final String url, final String accept) throws IOException, InterruptedException
    {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (accept != null)
        {
            b.header("Accept", accept);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(final String url) throws IOException, InterruptedException
    {
        return get(url, null);
    }

    /** Polls until the condition holds; fails with the message when the deadline passes. */
    static void await(final BooleanSupplier condition, final Duration timeout, final Supplier<String> what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what.get());
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }

    /** The value of one exact series line ({@code name{labels}}) in a text-format scrape, or null. */
    static Double sample(final String scrape, final String series)
    {
        for (final String line : scrape.split("\n"))
        {
            if (line.startsWith(series + " "))
            {
                final String rest = line.substring(series.length() + 1).trim();
                final int space = rest.indexOf(' ');
                return Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
            }
        }
        return null;
    }
}
