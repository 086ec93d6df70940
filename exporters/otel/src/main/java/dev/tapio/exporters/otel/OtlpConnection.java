package dev.tapio.exporters.otel;

import io.opentelemetry.sdk.common.export.RetryPolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How the OTLP exporters (traces and metrics) reach the collector beyond its URL: timeout, compression, headers,
 * the SDK's own retries with the settings' backoff, and the PEM bytes of the TLS files, read once when an exporter
 * is built; and the one place that hands them to an SDK exporter builder ({@link #configure}). Immutable.
 */
record OtlpConnection(Duration timeout, String compression, Map<String, String> headers, RetryPolicy retry,
    byte[] caPem, byte[] certPem, byte[] keyPem)
{
    /** @throws UncheckedIOException naming the file that cannot be read */
    static OtlpConnection of(final OtelSettings settings)
    {
        final byte[] caPem = read(settings.tlsCaFile());
        final byte[] certPem = read(settings.tlsCertFile());
        final byte[] keyPem = read(settings.tlsKeyFile());
        final RetryPolicy retry = RetryPolicy.builder()
            .setMaxAttempts(3)
            .setInitialBackoff(settings.minBackoff())
            .setMaxBackoff(settings.maxBackoff())
            .build();
        return new OtlpConnection(settings.exportTimeout(), settings.compression().sdkName(), settings.headers(), retry,
            caPem, certPem, keyPem);
    }

    /**
     * Sets {@code endpoint} and this connection on one of the SDK's OTLP exporter builders (span or metric, gRPC or
     * HTTP) through that builder's own setters, passed as method references: the four builders declare the same
     * setters but share no interface (the SDK's autoconfigure configures them the same way). TLS only when its files
     * are set.
     */
    void configure(final String endpoint, final Consumer<String> setEndpoint, final Consumer<Duration> setTimeout,
        final Consumer<String> setCompression, final Consumer<Supplier<Map<String, String>>> setHeaders,
        final Consumer<RetryPolicy> setRetryPolicy, final Consumer<byte[]> setTrustedCertificates,
        final BiConsumer<byte[], byte[]> setClientTls)
    {
        setEndpoint.accept(endpoint);
        setTimeout.accept(timeout);
        setCompression.accept(compression);
        setHeaders.accept(this::headers);
        setRetryPolicy.accept(retry);
        if (caPem != null)
        {
            setTrustedCertificates.accept(caPem);
        }
        if (certPem != null)
        {
            setClientTls.accept(keyPem, certPem);
        }
    }

    private static byte[] read(final Path file)
    {
        if (file == null)
        {
            return null;
        }
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("otel: cannot read TLS file " + file + ": " + e.getMessage(), e);
        }
    }
}
