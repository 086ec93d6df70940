package dev.tapio.engine.correlate;

import java.util.Locale;

/** What a group is about: the entities a pattern's key is made of (see docs/CORRELATION.md). */
public enum Entity
{
    NODE, NAMESPACE, POD, CONTAINER, UNIT, SERVICE, PEER;

    public String configName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Entity fromConfig(final String name)
    {
        for (final Entity e : values())
        {
            if (e.configName().equals(name))
            {
                return e;
            }
        }
        return null;
    }
}
