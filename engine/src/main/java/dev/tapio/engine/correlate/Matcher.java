package dev.tapio.engine.correlate;

/**
 * Event types plus predicates: one way an event can satisfy a step. Immutable.
 */
final class Matcher
{
    /** Known types by raw code (EventType values); OTHER types are matched by {@link #otherTypeNames}. */
    final boolean[] types;
    final byte[][] otherTypeNames;
    final Predicate[] where;
    final String text;

    Matcher(final boolean[] types, final byte[][] otherTypeNames, final Predicate[] where, final String text)
    {
        this.types = types;
        this.otherTypeNames = otherTypeNames;
        this.where = where;
        this.text = text;
    }

    boolean matchesType(final EventFields f, final int typeRaw)
    {
        if (typeRaw > 0 && typeRaw < types.length)
        {
            return types[typeRaw];
        }
        for (final byte[] name : otherTypeNames)
        {
            if (Bytes.equals(f.buffer(), f.varOffset(EventFields.TYPE_NAME), f.varLength(EventFields.TYPE_NAME), name))
            {
                return true;
            }
        }
        return false;
    }

    boolean test(final EventFields f, final int typeRaw)
    {
        if (!matchesType(f, typeRaw))
        {
            return false;
        }
        for (final Predicate p : where)
        {
            if (!p.test(f))
            {
                return false;
            }
        }
        return true;
    }
}
