package dev.tapio.engine.correlate;

import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code rules.yaml} (and the built-in rules in the jar) into a {@link RuleSet}, validating
 * everything: each error names the file, line and key. See docs/CORRELATION.md for the language.
 */
public final class RulesLoader
{
    public static final String BUILTIN_RESOURCE = "/dev/tapio/engine/correlate/builtin-rules.yaml";
    public static final String BUILTIN_NAME = "<built-in rules>";
    /** User patterns without an id are numbered from here, in file order. */
    public static final int FIRST_USER_ID = 100;
    private static final long MAX_WINDOW_NANOS = Duration.ofHours(24).toNanos();

    private RulesLoader()
    {
    }

    /** Only the built-in patterns. */
    public static RuleSet builtin() throws ConfigException
    {
        return load(null);
    }

    /** The built-in patterns changed by the rules file (null: none). */
    public static RuleSet load(final Path rulesFile) throws ConfigException
    {
        final ConfigNode builtinRoot;
        try (InputStream in = RulesLoader.class.getResourceAsStream(BUILTIN_RESOURCE))
        {
            if (in == null)
            {
                throw new ConfigException(BUILTIN_NAME + ": missing from the jar");
            }
            builtinRoot = ConfigNode.parse(BUILTIN_NAME, new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        catch (final IOException e)
        {
            throw new ConfigException(BUILTIN_NAME + ": " + e.getMessage(), e);
        }
        ConfigNode userRoot = null;
        if (rulesFile != null)
        {
            if (!Files.isReadable(rulesFile))
            {
                throw new ConfigException(rulesFile + ": cannot read the rules file");
            }
            try (Reader r = Files.newBufferedReader(rulesFile, StandardCharsets.UTF_8))
            {
                userRoot = ConfigNode.parse(rulesFile.toString(), r);
            }
            catch (final IOException e)
            {
                throw new ConfigException(rulesFile + ": " + e.getMessage(), e);
            }
        }
        return build(builtinRoot, userRoot);
    }

    /** Parses rules text (for tests and embedding); the built-ins apply underneath. */
    public static RuleSet parse(final String file, final String yaml) throws ConfigException
    {
        try (InputStream in = RulesLoader.class.getResourceAsStream(BUILTIN_RESOURCE))
        {
            final ConfigNode builtinRoot = ConfigNode.parse(BUILTIN_NAME, new InputStreamReader(in, StandardCharsets.UTF_8));
            return build(builtinRoot, ConfigNode.parse(file, yaml));
        }
        catch (final IOException e)
        {
            throw new ConfigException(BUILTIN_NAME + ": " + e.getMessage(), e);
        }
    }

    private static RuleSet build(final ConfigNode builtinRoot, final ConfigNode userRoot) throws ConfigException
    {
        final LinkedHashMap<String, Pattern> byName = new LinkedHashMap<>();
        final Map<String, Integer> order = new HashMap<>();
        for (final ConfigNode p : builtinRoot.children("patterns"))
        {
            final Pattern pattern = pattern(p, -1, BUILTIN_NAME);
            byName.put(pattern.name, pattern);
            order.put(pattern.name, order.size());
        }
        builtinRoot.checkAllKeysUsed();
        final Set<String> builtinNames = new HashSet<>(byName.keySet());
        final Map<String, String> disabled = new LinkedHashMap<>();
        ImpactSettings impact = ImpactSettings.NONE;
        if (userRoot != null)
        {
            int nextId = FIRST_USER_ID;
            final Set<String> seen = new HashSet<>();
            for (final ConfigNode p : userRoot.children("patterns"))
            {
                final String name = p.string("name", null);
                if (name != null && !seen.add(name))
                {
                    throw p.error("name", "pattern \"" + name + "\" is defined twice in this file");
                }
                final Pattern old = name == null ? null : byName.get(name);
                int defaultId = old != null ? old.id : nextId;
                final Pattern pattern = pattern(p, defaultId, p.file());
                if (old == null && pattern.id == defaultId)
                {
                    nextId++;
                }
                byName.put(pattern.name, pattern);
                order.putIfAbsent(pattern.name, order.size());
            }
            final List<String> off = userRoot.stringList("disable");
            for (int i = 0; i < off.size(); i++)
            {
                final String name = off.get(i);
                if (!byName.containsKey(name))
                {
                    throw userRoot.error("disable", i, "no pattern named \"" + name + "\" (known: " +
                        String.join(", ", byName.keySet()) + ")");
                }
                byName.remove(name);
                disabled.put(name, userRoot.file());
            }
            impact = impact(userRoot.child("impact"));
            userRoot.checkAllKeysUsed();
        }
        final Map<Integer, String> ids = new HashMap<>();
        for (final Pattern p : byName.values())
        {
            final String clash = ids.put(p.id, p.name);
            if (clash != null)
            {
                throw new ConfigException(p.source + ": patterns \"" + clash + "\" and \"" + p.name +
                    "\" have the same id " + p.id + " (ids must be unique; " +
                    (builtinNames.contains(clash) ? "built-in ids are 1..6" : "choose another") + ")");
            }
        }
        final List<Pattern> list = new ArrayList<>(byName.values());
        list.sort(Comparator.comparingInt((Pattern p) -> -p.priority).thenComparingInt(p -> order.get(p.name)));
        return new RuleSet(list, impact, disabled);
    }

    private static ImpactSettings impact(final ConfigNode n) throws ConfigException
    {
        final float def = fraction(n, "default-criticality", 1.0f);
        final Map<String, ImpactSettings.Entry> namespaces = entries(n.child("namespaces"));
        final Map<String, ImpactSettings.Entry> services = entries(n.child("services"));
        n.checkAllKeysUsed();
        return new ImpactSettings(def, namespaces, services);
    }

    private static Map<String, ImpactSettings.Entry> entries(final ConfigNode n) throws ConfigException
    {
        final Map<String, ImpactSettings.Entry> out = new LinkedHashMap<>();
        for (final String k : n.keys())
        {
            final ConfigNode e = n.child(k);
            out.put(k, new ImpactSettings.Entry(
                fraction(e, "criticality", 1.0f), e.bool("customer-facing", false), e.bool("slo", false)));
            e.checkAllKeysUsed();
        }
        return out;
    }

    private static float fraction(final ConfigNode n, final String key, final float def) throws ConfigException
    {
        final String v = n.string(key, null);
        if (v == null)
        {
            return def;
        }
        try
        {
            final float f = Float.parseFloat(v);
            if (!(f >= 0f && f <= 1f))
            {
                throw n.error(key, "must be a number in 0..1, got " + v);
            }
            return f;
        }
        catch (final NumberFormatException e)
        {
            throw n.error(key, "must be a number in 0..1, got \"" + v + "\"");
        }
    }

    private static Pattern pattern(final ConfigNode p, final int defaultId, final String source) throws ConfigException
    {
        final String name = p.string("name", null);
        if (name == null || name.isEmpty())
        {
            throw p.error("name", "every pattern needs a name");
        }
        if (!name.matches("[a-z0-9][a-z0-9._-]*"))
        {
            throw p.error("name", "\"" + name + "\" is not a valid pattern name (lower-case letters, digits, '.', '_', '-')");
        }
        final int id = defaultId < 0 ? p.intValue("id", 0, 1, 65_535) : p.intValue("id", defaultId, 1, 65_535);
        if (id == 0)
        {
            throw p.error("id", "built-in patterns need an id");
        }
        final String outcome = p.string("outcome", name);
        final String description = p.string("description", "");
        final int priority = p.intValue("priority", 0, -1000, 1000);
        final List<String> keyNames = p.stringList("key");
        if (keyNames.isEmpty())
        {
            throw p.error("key", "a pattern needs a key: a list of entities (" + entityNames() + ")");
        }
        final Entity[] key = entities(p, "key", keyNames);
        final boolean sequence = "sequence".equals(p.choice("order", "sequence", "sequence", "any"));
        final long maxSpan = window(p, "max-span", Duration.ofMinutes(10));
        final long maxGap = window(p, "max-gap", Duration.ofNanos(maxSpan));
        final int minEvents = p.intValue("min-events", 2, 1, 1_000);
        final Severity severity = severity(p, "severity", "warning");
        final ConfigNode impact = p.child("impact");
        final float business = fraction(impact, "business", 0.5f);
        final boolean customerFacing = impact.bool("customer-facing", false);
        final boolean slo = impact.bool("slo-impact", false);
        impact.checkAllKeysUsed();

        final List<ConfigNode> stepNodes = p.children("steps");
        if (stepNodes.isEmpty())
        {
            throw p.error("steps", "a pattern needs at least one step");
        }
        if (stepNodes.size() > 31)
        {
            throw p.error("steps", "at most 31 steps");
        }
        final Step[] steps = new Step[stepNodes.size()];
        final Set<String> stepNames = new HashSet<>();
        boolean anyOpens = false;
        boolean anyRequired = false;
        for (int i = 0; i < steps.length; i++)
        {
            steps[i] = step(stepNodes.get(i), i, key);
            if (!stepNames.add(steps[i].name))
            {
                throw stepNodes.get(i).error("name", "step \"" + steps[i].name + "\" is defined twice in pattern " + name);
            }
            anyOpens |= steps[i].opens;
            anyRequired |= !steps[i].optional;
            if (steps[i].withinNanos > maxSpan)
            {
                throw stepNodes.get(i).error("within", "is longer than the pattern's max-span");
            }
        }
        if (!anyOpens)
        {
            throw p.error("steps", "no step may open a group (set opens: true on at least one)");
        }
        if (!anyRequired)
        {
            throw p.error("steps", "every step is optional; at least one must be required");
        }

        final ConfigNode rc = p.child("root-cause");
        int rootStep = 0;
        final String rootName = rc.string("step", null);
        if (rootName != null)
        {
            rootStep = -1;
            for (final Step s : steps)
            {
                if (s.name.equals(rootName))
                {
                    rootStep = s.index;
                }
            }
            if (rootStep < 0)
            {
                throw rc.error("step", "no step named \"" + rootName + "\" in pattern " + name);
            }
        }
        final Template summary = template(rc, "summary", rc.string("summary", outcome));
        rc.checkAllKeysUsed();
        final List<String> actionTexts = p.stringList("actions");
        final Template[] actions = new Template[actionTexts.size()];
        for (int i = 0; i < actions.length; i++)
        {
            try
            {
                actions[i] = Template.compile(actionTexts.get(i));
            }
            catch (final IllegalArgumentException e)
            {
                throw p.error("actions", i, "action " + (i + 1) + ": " + e.getMessage());
            }
        }
        p.checkAllKeysUsed();
        return new Pattern(name, id, outcome, description, priority, key, sequence, maxSpan, maxGap, minEvents,
            severity, business, customerFacing, slo, steps, rootStep, summary, actions, source);
    }

    private static Template template(final ConfigNode n, final String key, final String text) throws ConfigException
    {
        try
        {
            return Template.compile(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw n.error(key, e.getMessage());
        }
    }

    private static Step step(final ConfigNode s, final int index, final Entity[] key) throws ConfigException
    {
        final String name = s.string("name", "step-" + (index + 1));
        final Matcher[] matchers;
        if (s.has("match"))
        {
            if (s.has("type") || s.has("where"))
            {
                throw s.error("match", "use either match (a list of type/where alternatives) or type/where, not both");
            }
            final List<ConfigNode> alts = s.children("match");
            if (alts.isEmpty())
            {
                throw s.error("match", "needs at least one alternative");
            }
            matchers = new Matcher[alts.size()];
            for (int i = 0; i < matchers.length; i++)
            {
                matchers[i] = matcher(alts.get(i));
                alts.get(i).checkAllKeysUsed();
            }
        }
        else
        {
            matchers = new Matcher[]{ matcher(s) };
        }
        final int count = s.intValue("count", 1, 1, 64);
        final long within = s.has("within") ? window(s, "within", Duration.ZERO) : 0;
        if (count > 1 && within == 0)
        {
            throw s.error("count", "a count needs a window: add within (e.g. within: 5m)");
        }
        if (count == 1 && within != 0)
        {
            throw s.error("within", "within only applies with count >= 2");
        }
        final boolean optional = s.bool("optional", false);
        final boolean opens = s.bool("opens", true);
        Entity[] join = key;
        boolean partial = false;
        if (s.has("join"))
        {
            final List<String> names = s.stringList("join");
            join = entities(s, "join", names);
            for (final Entity e : join)
            {
                if (!contains(key, e))
                {
                    throw s.error("join", "\"" + e.configName() + "\" is not in the pattern's key " + Pattern.entityList(key));
                }
            }
            if (join.length == 0)
            {
                throw s.error("join", "must name at least one entity of the key");
            }
            // Keep key order, so that the same subset always builds the same partial key.
            final List<Entity> ordered = new ArrayList<>();
            for (final Entity e : key)
            {
                if (contains(join, e))
                {
                    ordered.add(e);
                }
            }
            join = ordered.toArray(new Entity[0]);
            partial = join.length < key.length;
        }
        s.checkAllKeysUsed();
        return new Step(name, index, matchers, count, within, optional, opens, join, partial);
    }

    private static boolean contains(final Entity[] set, final Entity e)
    {
        for (final Entity x : set)
        {
            if (x == e)
            {
                return true;
            }
        }
        return false;
    }

    private static Matcher matcher(final ConfigNode n) throws ConfigException
    {
        final List<String> typeNames = n.stringList("type");
        if (typeNames.isEmpty())
        {
            throw n.error("type", "a step needs an event type (or a list of them), e.g. type: k8s.pod.restarted");
        }
        final boolean[] types = new boolean[EventType.values().length + 1];
        final List<byte[]> others = new ArrayList<>();
        for (int i = 0; i < typeNames.size(); i++)
        {
            final String t = typeNames.get(i);
            final EventType known = EventTypes.typeOf(t);
            if (known != null && known != EventType.OTHER && known != EventType.NULL_VAL)
            {
                types[known.value()] = true;
            }
            else if (t.matches("[a-z0-9_]+(\\.[a-z0-9_]+)+"))
            {
                others.add(t.getBytes(StandardCharsets.UTF_8));
            }
            else
            {
                throw n.error("type", i, "\"" + t + "\" is not an event type name (dotted lower-case, e.g. k8s.pod.restarted)");
            }
        }
        final ConfigNode where = n.child("where");
        final List<Predicate> preds = new ArrayList<>();
        final StringBuilder text = new StringBuilder(String.join("|", typeNames));
        for (final String field : where.keys())
        {
            final Predicate p = predicate(where, field);
            preds.add(p);
            text.append(" where ").append(p);
        }
        where.checkAllKeysUsed();
        return new Matcher(types, others.toArray(new byte[0][]), preds.toArray(new Predicate[0]), text.toString());
    }

    private static Predicate predicate(final ConfigNode where, final String field) throws ConfigException
    {
        switch (field)
        {
            case "exitCode":
                return number(where, field, Predicate.EXIT_CODE);
            case "pid":
                return number(where, field, Predicate.PID);
            case "ppid":
                return number(where, field, Predicate.PPID);
            case "uid":
                return number(where, field, Predicate.UID);
            case "severity":
            {
                final String v = where.string(field, "").trim();
                final Object[] opValue = op(v);
                final String sev = ((String)opValue[1]).trim();
                final Severity s = EventTypes.severityOf(sev);
                if (s == null || s == Severity.NULL_VAL)
                {
                    throw where.error(field, "unknown severity \"" + sev + "\" (debug, info, warning, error, critical; " +
                        "optionally with an operator, e.g. \">=error\")");
                }
                return Predicate.severity((Predicate.Op)opValue[0], s.value(), "severity " + v);
            }
            default:
                break;
        }
        final List<String> globs = where.stringList(field);
        if (globs.isEmpty())
        {
            throw where.error(field, "needs a value or a list of glob patterns");
        }
        final String text = field + " in " + globs;
        if (field.startsWith("attributes."))
        {
            final String k = field.substring("attributes.".length());
            if (k.isEmpty())
            {
                throw where.error(field, "name the attribute: attributes.<key>");
            }
            return Predicate.attribute(k, globs.toArray(new String[0]), text);
        }
        for (int i = 0; i < EventFields.VAR_NAMES.length; i++)
        {
            if (EventFields.VAR_NAMES[i].equals(field) && i != EventFields.TYPE_NAME)
            {
                return Predicate.strings(i, globs.toArray(new String[0]), text);
            }
        }
        throw where.error(field, "unknown field (known: exitCode, pid, ppid, uid, severity, node, namespace, pod, podUid, " +
            "container, containerId, unit, comm, message, attributes.<key>)");
    }

    private static Predicate number(final ConfigNode where, final String field, final int which) throws ConfigException
    {
        final String v = where.string(field, "").trim();
        final Object[] opValue = op(v);
        try
        {
            return Predicate.number(which, (Predicate.Op)opValue[0], Long.parseLong(((String)opValue[1]).trim()), field + " " + v);
        }
        catch (final NumberFormatException e)
        {
            throw where.error(field, "expected a whole number with an optional operator (137, \"!=0\", \">=1\", \"<0\"), got \"" + v + "\"");
        }
    }

    private static Object[] op(final String v)
    {
        final String[] ops = { "!=", ">=", "<=", "==", ">", "<", "=" };
        final Predicate.Op[] kinds = { Predicate.Op.NE, Predicate.Op.GE, Predicate.Op.LE, Predicate.Op.EQ,
            Predicate.Op.GT, Predicate.Op.LT, Predicate.Op.EQ };
        for (int i = 0; i < ops.length; i++)
        {
            if (v.startsWith(ops[i]))
            {
                return new Object[]{ kinds[i], v.substring(ops[i].length()) };
            }
        }
        return new Object[]{ Predicate.Op.EQ, v };
    }

    private static Severity severity(final ConfigNode n, final String key, final String def) throws ConfigException
    {
        final String v = n.string(key, def);
        final Severity s = EventTypes.severityOf(v);
        if (s == null || s == Severity.NULL_VAL)
        {
            throw n.error(key, "unknown severity \"" + v + "\" (debug, info, warning, error, critical)");
        }
        return s;
    }

    private static long window(final ConfigNode n, final String key, final Duration def) throws ConfigException
    {
        final Duration d = n.duration(key, def);
        if (n.has(key) && (d.isZero() || d.isNegative()))
        {
            throw n.error(key, "must be positive");
        }
        if (d.toNanos() > MAX_WINDOW_NANOS)
        {
            throw n.error(key, "at most 24h");
        }
        return d.toNanos();
    }

    private static Entity[] entities(final ConfigNode n, final String key, final List<String> names) throws ConfigException
    {
        final Entity[] out = new Entity[names.size()];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = Entity.fromConfig(names.get(i));
            if (out[i] == null)
            {
                throw n.error(key, i, "unknown entity \"" + names.get(i) + "\" (known: " + entityNames() + ")");
            }
            for (int j = 0; j < i; j++)
            {
                if (out[j] == out[i])
                {
                    throw n.error(key, i, "entity \"" + names.get(i) + "\" is listed twice");
                }
            }
        }
        return out;
    }

    private static String entityNames()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Entity e : Entity.values())
        {
            sb.append(sb.length() == 0 ? "" : ", ").append(e.configName());
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
