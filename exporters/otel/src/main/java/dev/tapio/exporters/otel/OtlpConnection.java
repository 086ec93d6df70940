package dev.tapio.exporters.otel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How the OTLP exporters (traces and metrics) reach the collector beyond its URL: the headers and the PEM
 * bytes of the TLS files, read once when an exporter is built, for the SDK builders' {@code setHeaders},
 * {@code setTrustedCertificates} and {@code setClientTls}. Immutable.
 */
record OtlpConnection(Map<String, String> headers, byte[] caPem, byte[] certPem, byte[] keyPem)
{
    /** @throws UncheckedIOException naming the file that cannot be read */
    static OtlpConnection of(final OtelSettings settings)
    {
        return new OtlpConnection(settings.headers(), read(settings.tlsCaFile()), read(settings.tlsCertFile()),
            read(settings.tlsKeyFile()));
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
