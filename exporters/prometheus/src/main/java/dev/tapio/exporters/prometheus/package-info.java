/** Prometheus export of Tapio's counters, latencies and findings (simpleclient), health endpoints, alert rules. */
package dev.tapio.exporters.prometheus;
