package dev.tapio.codecs.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses JSON with Jackson's streaming parser into plain trees (Map, List, String, Long, Double,
 * Boolean, null) that compare with equals regardless of field order. Duplicate field names fail, so a
 * test never compares a document that silently dropped a field.
 */
final class JsonTree
{
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonTree()
    {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(final String json) throws IOException
    {
        return (Map<String, Object>)parse(json);
    }

    static Object parse(final String json) throws IOException
    {
        try (JsonParser p = FACTORY.createParser(json))
        {
            final Object value = value(p, p.nextToken());
            if (p.nextToken() != null)
            {
                throw new IOException("trailing content");
            }
            return value;
        }
    }

    private static Object value(final JsonParser p, final JsonToken t) throws IOException
    {
        switch (t)
        {
            case START_OBJECT:
            {
                final Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME)
                {
                    final String name = p.currentName();
                    if (map.containsKey(name))
                    {
                        throw new IOException("duplicate field " + name);
                    }
                    map.put(name, value(p, p.nextToken()));
                }
                return map;
            }
            case START_ARRAY:
            {
                final List<Object> list = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY)
                {
                    list.add(value(p, e));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected token " + t);
        }
    }

    /** Writes a tree back as JSON text. */
    static String write(final Object tree) throws IOException
    {
        final java.io.StringWriter out = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = FACTORY.createGenerator(out))
        {
            write(g, tree);
        }
        return out.toString();
    }

    private static void write(final com.fasterxml.jackson.core.JsonGenerator g, final Object v) throws IOException
    {
        if (v instanceof Map)
        {
            g.writeStartObject();
            for (final Map.Entry<?, ?> e : ((Map<?, ?>)v).entrySet())
            {
                g.writeFieldName((String)e.getKey());
                write(g, e.getValue());
            }
            g.writeEndObject();
        }
        else if (v instanceof List)
        {
            g.writeStartArray();
            for (final Object e : (List<?>)v)
            {
                write(g, e);
            }
            g.writeEndArray();
        }
        else if (v instanceof String)
        {
            g.writeString((String)v);
        }
        else if (v instanceof Long)
        {
            g.writeNumber((Long)v);
        }
        else if (v instanceof Double)
        {
            g.writeNumber((Double)v);
        }
        else if (v instanceof Boolean)
        {
            g.writeBoolean((Boolean)v);
        }
        else
        {
            g.writeNull();
        }
    }
}
