/**
 * Signed webhooks: the exporter that delivers journal records to HTTP endpoints (one durable tailer, thread
 * and HTTP client per endpoint), their payloads (CloudEvents 1.0 JSON or a Mustache template), Standard
 * Webhooks signing, and the receiving side's {@link dev.tapio.exporters.webhooks.WebhookVerifier}.
 */
package dev.tapio.exporters.webhooks;
