/**
 * What a consumer that delivers journal records to a remote destination needs to retry well: exponential
 * backoff with full jitter ({@link dev.tapio.journal.delivery.Backoff}) and a circuit breaker over an
 * injected clock ({@link dev.tapio.journal.delivery.CircuitBreaker}). Used by the bridge and the webhooks
 * exporter, which depend on the journal but never on each other.
 */
package dev.tapio.journal.delivery;
