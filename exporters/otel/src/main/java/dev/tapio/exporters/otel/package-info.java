/** OpenTelemetry export of Tapio's groups and events (traces over OTLP), read from the journal. */
package dev.tapio.exporters.otel;
