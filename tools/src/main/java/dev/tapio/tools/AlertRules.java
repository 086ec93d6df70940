package dev.tapio.tools;

import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.correlate.CorrelationCounters;
import dev.tapio.engine.correlate.Pattern;
import dev.tapio.engine.correlate.RuleSet;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prometheus alerting rules from Tapio's correlation patterns and its own health metrics, in the
 * rule-file format {@code promtool check rules} validates. One alert per pattern fires when a group of
 * that pattern completed or expired in the last window (Tapio already decided it is an incident; the
 * alert carries its outcome, severity and recommended actions), plus alerts on what the node reports
 * about itself: dropped events, failed sources, readiness, kernel records lost, journal append failures,
 * the bridge's breaker, and the added-latency budget.
 */
final class AlertRules
{
    /** The design's latency budget: events should reach fan-out within this (seconds). */
    static final double LATENCY_BUDGET_SECONDS = 0.010;

    private AlertRules()
    {
    }

    /** The rule file for {@code rules}, as YAML text. */
    /** The node-health alerts every generated file carries besides one per pattern. */
    static final int HEALTH_ALERTS = 12;

    static String generate(final RuleSet rules, final String source, final String window)
    {
        final List<Object> patternRules = new ArrayList<>();
        for (final Pattern p : rules.patterns())
        {
            final Map<String, Object> r = new LinkedHashMap<>();
            r.put("alert", alertName(p.name()));
            r.put("expr", "sum by (instance, job) (increase(" + CorrelationCounters.PATTERN_GROUPS + "{pattern=\"" + p.name() +
                "\",status=~\"complete|expired\"}[" + window + "])) > 0");
            r.put("for", "0m");
            final Map<String, Object> labels = new LinkedHashMap<>();
            labels.put("severity", severity(p));
            labels.put("tapio_pattern", p.name());
            labels.put("tapio_outcome", p.outcome());
            r.put("labels", labels);
            final Map<String, Object> annotations = new LinkedHashMap<>();
            annotations.put("summary", "Tapio recognised " + p.outcome() + " (" + p.name() + ") on {{ $labels.instance }}: " +
                "{{ $value | humanize }} in the last " + window);
            annotations.put("description", describe(p));
            r.put("annotations", annotations);
            patternRules.add(r);
        }
        final List<Object> health = new ArrayList<>();
        health.add(rule("TapioEventsDropped", "sum by (instance, job, reason) (increase(tapio_events_dropped_total[" + window +
            "])) > 0", "1m", "warning", "Tapio dropped events on {{ $labels.instance }} ({{ $labels.reason }})",
            "Events were dropped and counted with reason {{ $labels.reason }}: the ring was full (backpressure), an event was " +
            "too large or malformed, or it arrived after stop. See tapio_events_dropped_total."));
        health.add(rule("TapioSourceFailed", "max by (instance, job, source) (tapio_source_state{state=\"failed\"}) == 1", "1m",
            "critical", "Tapio source {{ $labels.source }} failed on {{ $labels.instance }}",
            "A collector stopped with an error; the others keep running. Its reason is on the node's stderr and /readyz."));
        health.add(rule("TapioCollectorRestarting", "sum by (instance, job, collector) (increase(tapio_collector_restarts_total[" +
            window + "])) > 2", "0m", "warning", "Tapio collector {{ $labels.collector }} keeps crashing on {{ $labels.instance }}",
            "It was restarted {{ $value | humanize }} times in " + window + " (each after a backoff); its error is on the " +
            "node's stderr. Past restart.maxFailures within restart.window it stays failed."));
        health.add(rule("TapioNotReady", "max by (instance, job) (tapio_ready) == 0", "2m", "critical",
            "Tapio on {{ $labels.instance }} is not ready", "/readyz answers 503: a source failed or the ring is stalled."));
        health.add(rule("TapioKernelRecordsLost", "sum by (instance, job) (increase(tapio_kernel_records_total{result=\"output_failed\"}[" +
            window + "])) > 0", "0m", "warning", "Kernel events lost on {{ $labels.instance }}",
            "The kernel's output buffers were full: {{ $value | humanize }} records lost. Raise perfPages or wakeupEvents."));
        health.add(rule("TapioJournalAppendFailures", "sum by (instance, job, reason) (increase(tapio_journal_append_failures_total[" +
            window + "])) > 0", "1m", "critical", "Tapio's journal refuses records on {{ $labels.instance }} ({{ $labels.reason }})",
            "Records are not journaled (disk full or unwritable): what the bridge and exporters read is incomplete."));
        health.add(rule("TapioJournalTailerStuck", "max by (instance, job, tailer) (tapio_journal_tailer_lag_records) > 0 " +
            "and on (instance, job, tailer) (time() - max by (instance, job, tailer) (tapio_journal_tailer_acked_timestamp_seconds)) > 300",
            "5m", "warning", "Journal tailer {{ $labels.tailer }} on {{ $labels.instance }} is not advancing",
            "It has records to deliver but has not acked one for over 5 minutes: its destination (bridge, OTLP collector, " +
            "webhook) is down or refusing. Records wait in the journal until retention deletes them (then they are counted " +
            "in tapio_journal_dropped_total)."));
        health.add(rule("TapioWebhookDeadLetters", "sum by (instance, job, endpoint) (increase(tapio_webhook_deliveries_total" +
            "{outcome=\"dead_lettered\"}[" + window + "])) > 0", "0m", "warning",
            "Webhook endpoint {{ $labels.endpoint }} on {{ $labels.instance }} is dead-lettering",
            "Records ran out of delivery attempts and went to the endpoint's dead-letter file instead: " +
            "the receiver refuses them (4xx) or has been failing (5xx, timeouts) for longer than the retry schedule."));
        health.add(rule("TapioWebhookEndpointGone", "max by (instance, job, endpoint) (tapio_webhook_endpoint_disabled) == 1",
            "0m", "warning", "Webhook endpoint {{ $labels.endpoint }} on {{ $labels.instance }} is disabled",
            "It answered 410 Gone, so nothing more is sent to it; delete its .gone marker in the dead-letter directory " +
            "and restart to resume."));
        health.add(rule("TapioOtlpExportFailing", "max by (instance, job) (tapio_otel_export_failing) == 1", "5m", "warning",
            "Tapio cannot export traces to its OTLP collector from {{ $labels.instance }}",
            "Every export attempt for 5 minutes failed (collector down, refusing, or TLS/auth wrong; the reason is on the " +
            "node's stderr). Spans wait in the journal and are sent once it answers."));
        health.add(rule("TapioBridgeCircuitOpen", "max by (instance, job) (tapio_bridge_circuit_state) == 1", "5m", "warning",
            "Tapio's bridge to the server is open-circuit on {{ $labels.instance }}",
            "The server is unreachable; events accumulate in the node's journal (bounded by retention)."));
        health.add(rule("TapioAddedLatencyHigh", "histogram_quantile(0.99, sum by (instance, job, le) " +
            "(rate(tapio_event_added_latency_seconds_bucket[" + window + "]))) > " + LATENCY_BUDGET_SECONDS, "5m", "warning",
            "Tapio's p99 added latency on {{ $labels.instance }} is {{ $value | humanizeDuration }}",
            "Events take longer than the " + (int)(LATENCY_BUDGET_SECONDS * 1000) + " ms budget from ingest to fan-out."));

        if (health.size() != HEALTH_ALERTS)
        {
            throw new IllegalStateException("HEALTH_ALERTS is " + HEALTH_ALERTS + " but " + health.size() + " were built");
        }
        final Map<String, Object> patterns = new LinkedHashMap<>();
        patterns.put("name", "tapio-patterns");
        patterns.put("rules", patternRules);
        final Map<String, Object> node = new LinkedHashMap<>();
        node.put("name", "tapio-node");
        node.put("rules", health);
        final Map<String, Object> file = new LinkedHashMap<>();
        file.put("groups", List.of(patterns, node));
        final DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setWidth(120);
        return "# Prometheus alerting rules generated by `tapio rules alerts` from " + source + ".\n" +
            "# Window " + window + "; check with: promtool check rules FILE\n" + new Yaml(o).dump(file);
    }

    private static Map<String, Object> rule(final String name, final String expr, final String forDuration, final String severity,
        final String summary, final String description)
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("alert", name);
        r.put("expr", expr);
        r.put("for", forDuration);
        r.put("labels", Map.of("severity", severity));
        final Map<String, Object> a = new LinkedHashMap<>();
        a.put("summary", summary);
        a.put("description", description);
        r.put("annotations", a);
        return r;
    }

    /** crash-loop → TapioCrashLoop. */
    static String alertName(final String pattern)
    {
        final StringBuilder sb = new StringBuilder("Tapio");
        boolean upper = true;
        for (final char ch : pattern.toCharArray())
        {
            if (Character.isLetterOrDigit(ch))
            {
                sb.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }
        return sb.toString();
    }

    /** critical / warning / info, the labels Alertmanager routes by. */
    static String severity(final Pattern p)
    {
        final Severity s = p.severity();
        if (s == Severity.CRITICAL || s == Severity.ERROR && (p.sloImpact() || p.customerFacing()))
        {
            return "critical";
        }
        if (s == Severity.ERROR || s == Severity.WARNING)
        {
            return "warning";
        }
        return "info";
    }

    private static String describe(final Pattern p)
    {
        final StringBuilder sb = new StringBuilder();
        if (!p.description().isEmpty())
        {
            sb.append(p.description()).append(' ');
        }
        sb.append(String.format(Locale.ROOT, "Business impact %.1f%s%s.", p.business(),
            p.customerFacing() ? ", customer facing" : "", p.sloImpact() ? ", SLO impact" : ""));
        final List<String> actions = p.actionTemplates();
        if (!actions.isEmpty())
        {
            sb.append(" Recommended: ").append(String.join("; ", actions)).append('.');
        }
        sb.append(" Root cause, trace and members: tapio replay --correlation <group id>, or the group's trace in the OTLP backend.");
        return sb.toString();
    }
}
