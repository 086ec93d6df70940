package dev.tapio.engine.correlate;

import dev.tapio.codecs.sbe.Severity;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One compiled correlation pattern (a rule): steps, the entity key joining them, the order and time
 * limits, impact, and the root cause and action templates. Built by {@link RulesLoader}. Immutable.
 */
public final class Pattern
{
    final String name;
    final byte[] nameUtf8;
    final int id;
    final String outcome;
    final byte[] outcomeUtf8;
    final String description;
    final int priority;
    final Entity[] key;
    final boolean sequence;
    final long maxSpanNanos;
    final long maxGapNanos;
    final int minEvents;
    final Severity severity;
    final float business;
    final boolean customerFacing;
    final boolean sloImpact;
    final Step[] steps;
    final int rootCauseStep;
    final Template summary;
    final Template[] actions;
    final String source;
    /** Distinct partial join sets used by steps (each a proper subset of the key), for binding. */
    final Entity[][] partialJoins;
    final int requiredSteps;

    Pattern(final String name, final int id, final String outcome, final String description, final int priority,
        final Entity[] key, final boolean sequence, final long maxSpanNanos, final long maxGapNanos, final int minEvents,
        final Severity severity, final float business, final boolean customerFacing, final boolean sloImpact,
        final Step[] steps, final int rootCauseStep, final Template summary, final Template[] actions, final String source)
    {
        this.name = name;
        this.nameUtf8 = name.getBytes(StandardCharsets.UTF_8);
        this.id = id;
        this.outcome = outcome;
        this.outcomeUtf8 = outcome.getBytes(StandardCharsets.UTF_8);
        this.description = description;
        this.priority = priority;
        this.key = key;
        this.sequence = sequence;
        this.maxSpanNanos = maxSpanNanos;
        this.maxGapNanos = maxGapNanos;
        this.minEvents = minEvents;
        this.severity = severity;
        this.business = business;
        this.customerFacing = customerFacing;
        this.sloImpact = sloImpact;
        this.steps = steps;
        this.rootCauseStep = rootCauseStep;
        this.summary = summary;
        this.actions = actions;
        this.source = source;
        final List<Entity[]> partial = new ArrayList<>();
        int required = 0;
        for (final Step s : steps)
        {
            if (!s.optional)
            {
                required++;
            }
            if (s.partial)
            {
                boolean seen = false;
                for (final Entity[] p : partial)
                {
                    seen |= java.util.Arrays.equals(p, s.join);
                }
                if (!seen)
                {
                    partial.add(s.join);
                }
            }
        }
        this.partialJoins = partial.toArray(new Entity[0][]);
        this.requiredSteps = required;
    }

    public String name()
    {
        return name;
    }

    public int id()
    {
        return id;
    }

    public String outcome()
    {
        return outcome;
    }

    /** Severity of the group's outcome (the rule's {@code severity}). */
    public Severity severity()
    {
        return severity;
    }

    /** Business impact of a complete group, 0..1. */
    public float business()
    {
        return business;
    }

    public boolean customerFacing()
    {
        return customerFacing;
    }

    public boolean sloImpact()
    {
        return sloImpact;
    }

    public String description()
    {
        return description;
    }

    public int priority()
    {
        return priority;
    }

    /** Where the pattern was defined: the built-in rules or a file. */
    public String source()
    {
        return source;
    }

    public List<Step> steps()
    {
        return List.of(steps);
    }

    public String keyDescription()
    {
        return entityList(key);
    }

    public long maxSpanNanos()
    {
        return maxSpanNanos;
    }

    public long maxGapNanos()
    {
        return maxGapNanos;
    }

    public boolean sequence()
    {
        return sequence;
    }

    public String rootCauseStepName()
    {
        return steps[rootCauseStep].name;
    }

    public String summaryTemplate()
    {
        return summary.text;
    }

    public List<String> actionTemplates()
    {
        final List<String> out = new ArrayList<>();
        for (final Template t : actions)
        {
            out.add(t.text);
        }
        return out;
    }

    static String entityList(final Entity[] entities)
    {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < entities.length; i++)
        {
            sb.append(i == 0 ? "" : ", ").append(entities[i].configName());
        }
        return sb.append(']').toString();
    }
}
