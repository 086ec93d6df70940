package dev.tapio.engine.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML mapping with its source positions, so that every error names file, line and key. Typed
 * getters take a default and validate; keys read are remembered, so that {@link #checkAllKeysUsed()}
 * can reject typos. Values may use {@code ${env:NAME}} or {@code ${env:NAME:-default}}. Not thread-safe.
 */
public final class ConfigNode
{
    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private final String file;
    private final String path;
    private final MappingNode node;
    private final int line;
    private final Map<String, Node> entries = new LinkedHashMap<>();
    private final Map<String, Node> keyNodes = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();

    private ConfigNode(final String file, final String path, final MappingNode node, final int line)
        throws ConfigException
    {
        this.file = file;
        this.path = path;
        this.node = node;
        this.line = line;
        if (node != null)
        {
            for (final NodeTuple t : node.getValue())
            {
                if (!(t.getKeyNode() instanceof ScalarNode))
                {
                    throw new ConfigException(file + ":" + line(t.getKeyNode()) + ": " + path + ": keys must be plain names");
                }
                final String key = ((ScalarNode)t.getKeyNode()).getValue();
                if (entries.put(key, t.getValueNode()) != null)
                {
                    throw new ConfigException(file + ":" + line(t.getKeyNode()) + ": " + qualify(key) + ": duplicate key");
                }
                keyNodes.put(key, t.getKeyNode());
            }
        }
    }

    /** Parses YAML text; an empty document is an empty mapping. */
    public static ConfigNode parse(final String file, final Reader reader) throws ConfigException
    {
        final Node root;
        try
        {
            final LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true);
            root = new Yaml(new SafeConstructor(options)).compose(reader);
        }
        catch (final MarkedYAMLException e)
        {
            final int l = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new ConfigException(file + ":" + l + ": not valid YAML: " + e.getProblem());
        }
        catch (final YAMLException e)
        {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        if (root == null)
        {
            return new ConfigNode(file, "", null, 1);
        }
        if (!(root instanceof MappingNode))
        {
            throw new ConfigException(file + ":" + line(root) + ": the top level must be a mapping of sections");
        }
        return new ConfigNode(file, "", (MappingNode)root, line(root));
    }

    public static ConfigNode parse(final String file, final String yaml) throws ConfigException
    {
        return parse(file, new StringReader(yaml));
    }

    /** An empty mapping (all defaults). */
    public static ConfigNode empty(final String file, final String path)
    {
        try
        {
            return new ConfigNode(file, path, null, 0);
        }
        catch (final ConfigException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static int line(final Node n)
    {
        return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }

    public String file()
    {
        return file;
    }

    /** Dotted path of this mapping from the root, e.g. {@code sources.file/in}. */
    public String path()
    {
        return path;
    }

    public int line()
    {
        return line;
    }

    public boolean has(final String key)
    {
        return entries.containsKey(key);
    }

    /** Keys in document order. */
    public List<String> keys()
    {
        return new ArrayList<>(entries.keySet());
    }

    public String qualify(final String key)
    {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * An error at this key (or at this mapping when the key is absent). The line is the key's: a
     * mapping or block list under the key starts on a later line.
     */
    public ConfigException error(final String key, final String message)
    {
        return new ConfigException(file + ":" + keyLine(key) + ": " + qualify(key) + ": " + message);
    }

    /** An error at item {@code index} of the list at key (at the key when the value is no list). */
    public ConfigException error(final String key, final int index, final String message)
    {
        final Node n = entries.get(key);
        final int l = n instanceof SequenceNode && index >= 0 && index < ((SequenceNode)n).getValue().size() ?
            line(((SequenceNode)n).getValue().get(index)) : keyLine(key);
        return new ConfigException(file + ":" + l + ": " + qualify(key) + ": " + message);
    }

    private int keyLine(final String key)
    {
        final Node k = keyNodes.get(key);
        return k != null ? line(k) : line;
    }

    /** The nested mapping at key; an empty one when absent or null. */
    public ConfigNode child(final String key) throws ConfigException
    {
        used.add(key);
        final Node n = entries.get(key);
        if (n == null || isNull(n))
        {
            return new ConfigNode(file, qualify(key), null, keyLine(key));
        }
        if (!(n instanceof MappingNode))
        {
            throw error(key, "expected a mapping of settings");
        }
        return new ConfigNode(file, qualify(key), (MappingNode)n, keyLine(key));
    }

    /** The list of mappings at key (an empty list when absent); each item's path is {@code key[i]}. */
    public List<ConfigNode> children(final String key) throws ConfigException
    {
        used.add(key);
        final Node n = entries.get(key);
        final List<ConfigNode> out = new ArrayList<>();
        if (n == null || isNull(n))
        {
            return out;
        }
        if (!(n instanceof SequenceNode))
        {
            throw error(key, "expected a list of mappings");
        }
        int i = 0;
        for (final Node item : ((SequenceNode)n).getValue())
        {
            if (!(item instanceof MappingNode))
            {
                throw new ConfigException(file + ":" + line(item) + ": " + qualify(key) + "[" + i + "]: expected a mapping");
            }
            out.add(new ConfigNode(file, qualify(key) + "[" + i + "]", (MappingNode)item, line(item)));
            i++;
        }
        return out;
    }

    /** True when the value at key is a list (so callers can accept a value or a list of them). */
    public boolean isList(final String key)
    {
        return entries.get(key) instanceof SequenceNode;
    }

    public String string(final String key, final String defaultValue) throws ConfigException
    {
        used.add(key);
        final Node n = entries.get(key);
        if (n == null || isNull(n))
        {
            return defaultValue;
        }
        if (!(n instanceof ScalarNode))
        {
            throw error(key, "expected a single value");
        }
        return substitute(key, ((ScalarNode)n).getValue());
    }

    public String choice(final String key, final String defaultValue, final String... allowed) throws ConfigException
    {
        final String v = string(key, defaultValue);
        for (final String a : allowed)
        {
            if (a.equals(v))
            {
                return v;
            }
        }
        throw error(key, "unknown value \"" + v + "\" (expected one of " + String.join(", ", allowed) + ")");
    }

    public long longValue(final String key, final long defaultValue, final long min, final long max)
        throws ConfigException
    {
        final String v = string(key, null);
        if (v == null)
        {
            return defaultValue;
        }
        final long value;
        try
        {
            value = Long.parseLong(v.replace("_", ""));
        }
        catch (final NumberFormatException e)
        {
            throw error(key, "expected a whole number, got \"" + v + "\"");
        }
        if (value < min || value > max)
        {
            throw error(key, value + " is out of range " + min + ".." + max);
        }
        return value;
    }

    public int intValue(final String key, final int defaultValue, final int min, final int max) throws ConfigException
    {
        return (int)longValue(key, defaultValue, min, max);
    }

    public boolean bool(final String key, final boolean defaultValue) throws ConfigException
    {
        final String v = string(key, null);
        if (v == null)
        {
            return defaultValue;
        }
        if ("true".equals(v))
        {
            return true;
        }
        if ("false".equals(v))
        {
            return false;
        }
        throw error(key, "expected true or false, got \"" + v + "\"");
    }

    /** A size such as {@code 512B}, {@code 64KiB}, {@code 1MiB}; a bare number is bytes. */
    public long bytes(final String key, final long defaultValue, final long min, final long max) throws ConfigException
    {
        final String v = string(key, null);
        if (v == null)
        {
            return defaultValue;
        }
        final long value;
        try
        {
            value = Units.parseBytes(v);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(key, e.getMessage());
        }
        if (value < min || value > max)
        {
            throw error(key, v + " is out of range " + Units.formatBytes(min) + ".." + Units.formatBytes(max));
        }
        return value;
    }

    /** A duration with its unit: {@code 250us}, {@code 100ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    public java.time.Duration duration(final String key, final java.time.Duration defaultValue) throws ConfigException
    {
        final String v = string(key, null);
        if (v == null)
        {
            return defaultValue;
        }
        try
        {
            return Units.parseDuration(v);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(key, e.getMessage());
        }
    }

    /** Events per second: {@code 5000/s}, {@code 5000}, or {@code max} (0, as fast as possible). */
    public long rate(final String key, final long defaultValue) throws ConfigException
    {
        final String v = string(key, null);
        if (v == null)
        {
            return defaultValue;
        }
        try
        {
            return Units.parseRate(v);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(key, e.getMessage());
        }
    }

    /** A list of scalars; a single scalar is a list of one. */
    public List<String> stringList(final String key) throws ConfigException
    {
        used.add(key);
        final Node n = entries.get(key);
        final List<String> out = new ArrayList<>();
        if (n == null || isNull(n))
        {
            return out;
        }
        if (n instanceof ScalarNode)
        {
            out.add(substitute(key, ((ScalarNode)n).getValue()));
            return out;
        }
        if (!(n instanceof SequenceNode))
        {
            throw error(key, "expected a list");
        }
        for (final Node item : ((SequenceNode)n).getValue())
        {
            if (!(item instanceof ScalarNode))
            {
                throw new ConfigException(file + ":" + line(item) + ": " + qualify(key) + ": list items must be single values");
            }
            out.add(substitute(key, ((ScalarNode)item).getValue()));
        }
        return out;
    }

    public int[] intList(final String key, final int min, final int max) throws ConfigException
    {
        final List<String> items = stringList(key);
        final int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++)
        {
            try
            {
                out[i] = Integer.parseInt(items.get(i));
            }
            catch (final NumberFormatException e)
            {
                throw error(key, "expected whole numbers, got \"" + items.get(i) + "\"");
            }
            if (out[i] < min || out[i] > max)
            {
                throw error(key, out[i] + " is out of range " + min + ".." + max);
            }
        }
        return out;
    }

    /** Rejects keys that no getter asked for: they are typos or options this version does not have. */
    public void checkAllKeysUsed() throws ConfigException
    {
        for (final Map.Entry<String, Node> e : keyNodes.entrySet())
        {
            if (!used.contains(e.getKey()))
            {
                throw new ConfigException(file + ":" + line(e.getValue()) + ": " + qualify(e.getKey()) +
                    ": unknown key" + (path.isEmpty() ? "" : " in " + path) + " (see docs/CONFIG.md)");
            }
        }
    }

    /** Marks a key as handled by the caller. */
    public void markUsed(final String key)
    {
        used.add(key);
    }

    private String substitute(final String key, final String value) throws ConfigException
    {
        if (value.indexOf("${") < 0)
        {
            return value;
        }
        final Matcher m = ENV.matcher(value);
        final StringBuilder sb = new StringBuilder();
        while (m.find())
        {
            String v = System.getenv(m.group(1));
            if (v == null)
            {
                v = m.group(2);
            }
            if (v == null)
            {
                throw error(key, "environment variable " + m.group(1) + " is not set and has no default");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static boolean isNull(final Node n)
    {
        return n instanceof ScalarNode && "tag:yaml.org,2002:null".equals(n.getTag().getValue());
    }
}
