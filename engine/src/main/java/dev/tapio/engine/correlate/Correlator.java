package dev.tapio.engine.correlate;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupEncoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Severity;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The correlation engine: assigns each event to at most one group (an instance of a pattern for one
 * entity), keeps the groups, expires them in event time, and writes each group's record when it
 * closes. One instance per correlating thread; not thread-safe.
 *
 * <p>All state is preallocated: groups live in parallel primitive arrays (struct of arrays) indexed
 * by a group number, found through an Agrona {@link Long2LongHashMap} from a 64-bit hash of
 * (pattern, key) and verified against the stored key bytes; deadlines sit in an indexed binary
 * min-heap. Processing an event allocates nothing (learning a new container in the entity cache
 * copies its strings once).
 *
 * <pre>
 *   event ─► candidates[type] (pattern, step) in priority order
 *              ├─ step matches? build key ─► index ─► existing group? join it (maybe bind a partial one)
 *              └─ none found ─► open a group in the first pattern whose matching step opens
 *   watermark = max event time ─► heap: expire groups past their deadline (bounded per event)
 *   group complete / expired / evicted / flushed ─► SBE Group record ─► {@link GroupListener}
 * </pre>
 *
 * After {@link #process} the {@code out*} fields say what to write into the event.
 */
public final class Correlator
{
    /** Receives group records (SBE Group messages, header first); the bytes are valid during the call. */
    public interface GroupListener
    {
        void onGroup(DirectBuffer buffer, int offset, int length);
    }

    /** The event was not grouped; it keeps (or got) its own trace id. */
    public static final int UNGROUPED = 0;
    /** The event joined or opened an open group. */
    public static final int GROUPED = 1;
    /** The event joined a group that was already complete (retained). */
    public static final int LATE = 2;

    static final int KEY_MAX = 192;
    static final int CTX_WIDTH = 48;
    private static final byte FREE = 0;
    private static final byte OPEN = 1;
    private static final byte COMPLETE = 2;
    private static final int TEXT_MAX = 1024;
    private static final byte[] EQ = { '=' };
    private static final byte[] SERVICE_SUFFIX = ".service".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] SERVICE_ATTRS = {
        "service.name".getBytes(StandardCharsets.UTF_8) };
    private static final byte[][] APP_ATTRS = {
        "app.kubernetes.io/name".getBytes(StandardCharsets.UTF_8), "app".getBytes(StandardCharsets.UTF_8) };
    private static final byte[][] PEER_ATTRS = {
        "network.peer.address".getBytes(StandardCharsets.UTF_8), "net.peer.ip".getBytes(StandardCharsets.UTF_8),
        "peer".getBytes(StandardCharsets.UTF_8) };
    private static final byte[][] ENTITY_NAMES;

    static
    {
        ENTITY_NAMES = new byte[Entity.values().length][];
        for (final Entity e : Entity.values())
        {
            ENTITY_NAMES[e.ordinal()] = e.configName().getBytes(StandardCharsets.UTF_8);
        }
    }

    private final CorrelationSettings settings;
    private final Pattern[] patterns;
    private final int[][] candidates;
    private final int[] otherCandidates;
    private final int[] requiredMask;
    private final GroupListener listener;
    private final CorrelationCounters counters;
    private final EntityCache cache;
    private final byte[] localNode;
    private final ImpactLookup impact;

    // Groups: struct of arrays.
    private final int capacity;
    private final int maxMembers;
    private final int[] gPattern;
    private final byte[] gState;
    private final boolean[] gBound;
    private final int[] gKeyLength;
    private final byte[] gKey;
    private final long[] gIndexHash;
    private final long[] gTraceHi;
    private final long[] gTraceLo;
    private final long[] gRootSpan;
    private final long[] gCorrelation;
    private final long[] gStart;
    private final long[] gEnd;
    private final long[] gDeadline;
    private final int[] gMembers;
    private final int[] gSatisfied;
    /** Required steps matched so far (the group's progress, 0 … required − 1 while open). */
    private final byte[] gMatched;
    private final int[] gSeen;
    private final boolean[] gCauseSeen;
    private final int[] gExitCode;
    private final boolean[] gHasExitCode;
    private final float[] gBusiness;
    private final boolean[] gCustomerFacing;
    private final boolean[] gSlo;
    private final long[] mId;
    private final long[] mTime;
    private final byte[] mStep;
    private final byte[] ctx;
    private final byte[] ctxLength;
    private final int[] free;
    private int freeTop;
    private final Long2LongHashMap index;
    private final int[] heap;
    private final int[] heapPos;
    private int heapSize;
    private int openCount;
    private long watermark = Long.MIN_VALUE;

    // Scratch.
    private final byte[] keyA = new byte[KEY_MAX];
    private final byte[] keyB = new byte[KEY_MAX];
    private final byte[] keyOpen = new byte[KEY_MAX];
    private final byte[] value = new byte[KEY_MAX];
    private final long[] times = new long[256];
    private final int[] order = new int[256];
    private final byte[] text = new byte[TEXT_MAX];
    private final UnsafeBuffer record;
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final GroupEncoder encoder = new GroupEncoder();
    private int entry;
    private static final int UNRESOLVED = -2;

    // What to write into the event just processed.
    public long outTraceHi;
    public long outTraceLo;
    public long outSpanId;
    public long outParentSpanId;
    public long outCorrelationId;
    public int outPatternId;
    public float outBusiness;
    public boolean outCustomerFacing;
    public boolean outSloImpact;
    /** True when the event already had a trace id and was not grouped: keep it. */
    public boolean outKeepTrace;
    public final long[] outRelated = new long[EventFrames.MAX_RELATED];
    public int outRelatedCount;

    public Correlator(final RuleSet rules, final CorrelationSettings settings, final CorrelationCounters counters,
        final GroupListener listener)
    {
        this.settings = settings;
        this.patterns = rules.patterns().toArray(new Pattern[0]);
        if (patterns.length > 1 << 23)
        {
            throw new IllegalArgumentException("too many patterns");
        }
        this.listener = listener;
        this.counters = counters;
        counters.patterns(patterns, requiredSteps(patterns));
        this.cache = new EntityCache(settings.entityCacheSize);
        this.localNode = settings.nodeName.getBytes(StandardCharsets.UTF_8);
        this.impact = new ImpactLookup(rules.impact());
        this.requiredMask = new int[patterns.length];
        final int types = EventType.values().length + 1;
        final int[][] c = new int[types][];
        final java.util.List<Integer> others = new java.util.ArrayList<>();
        for (int t = 0; t < types; t++)
        {
            final java.util.List<Integer> list = new java.util.ArrayList<>();
            for (int p = 0; p < patterns.length; p++)
            {
                for (final Step s : patterns[p].steps)
                {
                    for (final Matcher m : s.matchers)
                    {
                        if (t > 0 && m.types[t] || t == 0 && m.otherTypeNames.length > 0)
                        {
                            list.add(p << 8 | s.index);
                            break;
                        }
                    }
                }
            }
            c[t] = list.stream().mapToInt(Integer::intValue).toArray();
            if (t == 0)
            {
                others.addAll(list);
            }
        }
        this.candidates = c;
        this.otherCandidates = others.stream().mapToInt(Integer::intValue).toArray();
        for (int p = 0; p < patterns.length; p++)
        {
            int mask = 0;
            for (final Step s : patterns[p].steps)
            {
                if (!s.optional)
                {
                    mask |= 1 << s.index;
                }
                if (s.count > settings.maxMembers)
                {
                    throw new IllegalArgumentException("pattern " + patterns[p].name + " step " + s.name + ": count " +
                        s.count + " exceeds max-members " + settings.maxMembers);
                }
            }
            requiredMask[p] = mask;
        }

        capacity = settings.maxGroups;
        maxMembers = settings.maxMembers;
        gPattern = new int[capacity];
        gState = new byte[capacity];
        gBound = new boolean[capacity];
        gKeyLength = new int[capacity];
        gKey = new byte[capacity * KEY_MAX];
        gIndexHash = new long[capacity];
        gTraceHi = new long[capacity];
        gTraceLo = new long[capacity];
        gRootSpan = new long[capacity];
        gCorrelation = new long[capacity];
        gStart = new long[capacity];
        gEnd = new long[capacity];
        gDeadline = new long[capacity];
        gMembers = new int[capacity];
        gSatisfied = new int[capacity];
        gMatched = new byte[capacity];
        gSeen = new int[capacity];
        gCauseSeen = new boolean[capacity];
        gExitCode = new int[capacity];
        gHasExitCode = new boolean[capacity];
        gBusiness = new float[capacity];
        gCustomerFacing = new boolean[capacity];
        gSlo = new boolean[capacity];
        mId = new long[capacity * maxMembers];
        mTime = new long[capacity * maxMembers];
        mStep = new byte[capacity * maxMembers];
        ctx = new byte[capacity * Template.STRING_FIELDS * CTX_WIDTH];
        ctxLength = new byte[capacity * Template.STRING_FIELDS];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            free[i] = capacity - 1 - i;
        }
        freeTop = capacity;
        index = new Long2LongHashMap(Math.max(16, capacity * 2), 0.65f, -1);
        heap = new int[capacity];
        heapPos = new int[capacity];
        record = new UnsafeBuffer(new byte[64 * 1024]);
    }

    /** The number of required (not optional) steps of each pattern. */
    private static int[] requiredSteps(final Pattern[] patterns)
    {
        final int[] out = new int[patterns.length];
        for (int p = 0; p < patterns.length; p++)
        {
            for (final Step s : patterns[p].steps)
            {
                out[p] += s.optional ? 0 : 1;
            }
        }
        return out;
    }

    /** Heap bytes one group slot takes (all preallocated for max-groups). */
    public static long bytesPerGroup(final int maxMembers)
    {
        final double fixed = 4 + 1 + 1 + 1 + 4 + KEY_MAX + 8 * 9 + 4 * 3 + 1 + 4 + 1 + 4 + 1 + 1 +
            Template.STRING_FIELDS * (CTX_WIDTH + 1) + 4 /* free */ + 8 /* heap + pos */ + 2 * 16 / 0.65;
        return (long)Math.ceil(fixed) + maxMembers * 17L;
    }

    public int openGroups()
    {
        return openCount;
    }

    /** Groups in memory: open ones and complete ones still retained for late members. */
    public int liveGroups()
    {
        return capacity - freeTop;
    }

    public long watermark()
    {
        return watermark;
    }

    public int entityCacheSize()
    {
        return cache.size();
    }

    /**
     * Correlates one validated event and sets the {@code out*} fields.
     *
     * @return {@link #GROUPED}, {@link #LATE} or {@link #UNGROUPED}.
     */
    public int process(final EventFields f)
    {
        final long ts = f.timestamp();
        if (ts > watermark)
        {
            watermark = ts;
        }
        expireDue();
        final int typeRaw = f.typeRaw();
        cache.learn(f, typeRaw);
        final int[] cands = typeRaw > 0 && typeRaw < candidates.length ? candidates[typeRaw] : otherCandidates;
        if (cands.length == 0)
        {
            // No pattern has a step for this type: the common case, kept to a few loads.
            return ungrouped(f);
        }
        entry = UNRESOLVED;
        int openP = -1;
        int openS = -1;
        int openKeyLength = 0;
        for (final int c : cands)
        {
            final int p = c >>> 8;
            final Pattern pattern = patterns[p];
            final Step step = pattern.steps[c & 0xFF];
            if (!step.matches(f, typeRaw))
            {
                continue;
            }
            if (entry == UNRESOLVED)
            {
                // Events without a pod get theirs from the entity cache, looked up once a step matches.
                entry = f.varLength(EventFields.POD) == 0 ? cache.resolve(f) : -1;
            }
            final int len = buildKey(f, step.join, keyA);
            if (len < 0)
            {
                continue;
            }
            int g = lookup(p, keyA, len, ts);
            if (g < 0 && !step.partial)
            {
                for (final Entity[] join : pattern.partialJoins)
                {
                    final int plen = buildKey(f, join, keyB);
                    if (plen >= 0)
                    {
                        final int u = lookup(p, keyB, plen, ts);
                        if (u >= 0 && !gBound[u] && gState[u] == OPEN)
                        {
                            bind(u, keyA, len);
                            g = u;
                            break;
                        }
                    }
                }
            }
            if (g >= 0)
            {
                return join(g, step, f);
            }
            if (openP < 0 && step.opens)
            {
                openP = p;
                openS = step.index;
                openKeyLength = len;
                System.arraycopy(keyA, 0, keyOpen, 0, len);
            }
        }
        if (openP >= 0)
        {
            final Step step = patterns[openP].steps[openS];
            final int g = open(openP, keyOpen, openKeyLength, !step.partial, f);
            if (g >= 0)
            {
                return join(g, step, f);
            }
        }
        return ungrouped(f);
    }

    /** Advances the clock without an event (wall-clock ticks in live mode) and expires what is due. */
    public void advanceTo(final long epochNanos)
    {
        if (epochNanos > watermark)
        {
            watermark = epochNanos;
        }
        expireDue();
    }

    /**
     * Closes everything: open groups with at least min-events members are written with status open,
     * the rest discarded (counted); retained complete groups are dropped. Used at the end of a run.
     */
    public void flush()
    {
        for (int g = 0; g < capacity; g++)
        {
            if (gState[g] == OPEN)
            {
                close(g, GroupStatus.OPEN);
            }
            else if (gState[g] == COMPLETE)
            {
                release(g);
            }
        }
    }

    /** Writes every pattern id and name (for output). */
    public Map<Integer, String> patternNames()
    {
        final Map<Integer, String> out = new java.util.LinkedHashMap<>();
        for (final Pattern p : patterns)
        {
            out.put(p.id, p.name);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------

    private int ungrouped(final EventFields f)
    {
        final long hi = f.traceIdHi();
        final long lo = f.traceIdLo();
        final long id = f.eventId();
        outKeepTrace = (hi | lo) != 0;
        if (!outKeepTrace)
        {
            outTraceHi = Bytes.nonZero(Bytes.hash(id, 0x7a91_3c5e_0d1f_2b47L ^ f.timestamp()));
            outTraceLo = Bytes.mix(outTraceHi ^ 0x1b87_3593_4c1a_9e37L);
        }
        else
        {
            outTraceHi = hi;
            outTraceLo = lo;
        }
        final long span = f.spanId();
        outSpanId = span != 0 ? span : Bytes.nonZero(Bytes.hash(id, 0x2545_f491_4f6c_dd1dL ^ f.timestamp()));
        outParentSpanId = 0;
        outCorrelationId = 0;
        outPatternId = 0;
        outBusiness = 0f;
        outCustomerFacing = false;
        outSloImpact = false;
        outRelatedCount = 0;
        counters.ungrouped.incrementRelease();
        return UNGROUPED;
    }

    private int lookup(final int p, final byte[] key, final int len, final long ts)
    {
        final long h = indexHash(p, key, len);
        final int g = (int)index.get(h);
        if (g < 0 || gPattern[g] != p || !Bytes.equals(gKey, g * KEY_MAX, gKeyLength[g], key, 0, len))
        {
            return -1;
        }
        if (gState[g] == OPEN && gDeadline[g] < ts)
        {
            // Past its window already (the bounded sweep has not reached it): close it, start afresh.
            close(g, GroupStatus.EXPIRED);
            return -1;
        }
        return g;
    }

    private static long indexHash(final int p, final byte[] key, final int len)
    {
        return Bytes.hash(key, 0, len, 0x9E37_79B9_7F4A_7C15L * (p + 1));
    }

    private int open(final int p, final byte[] key, final int len, final boolean bound, final EventFields f)
    {
        final long h = indexHash(p, key, len);
        if (index.get(h) >= 0)
        {
            // A different key with the same 64-bit hash already holds the slot: vanishingly rare.
            counters.collisions.incrementRelease();
            return -1;
        }
        if (freeTop == 0)
        {
            counters.evicted.incrementRelease();
            final int victim = heap[0];
            if (gState[victim] == OPEN)
            {
                close(victim, GroupStatus.EXPIRED);
            }
            else
            {
                release(victim);
            }
        }
        final int g = free[--freeTop];
        final Pattern pattern = patterns[p];
        gPattern[g] = p;
        gState[g] = OPEN;
        openCount++;
        gBound[g] = bound;
        gKeyLength[g] = len;
        System.arraycopy(key, 0, gKey, g * KEY_MAX, len);
        gIndexHash[g] = h;
        index.put(h, g);
        final long ts = f.timestamp();
        final long id = f.eventId();
        final long seed = Bytes.hash(pattern.nameUtf8, 0, pattern.nameUtf8.length, 0x51_7cc1_b727_220aL);
        final long keyHash = Bytes.hash(key, 0, len, seed);
        gTraceHi[g] = Bytes.nonZero(Bytes.hash(id, keyHash));
        gTraceLo[g] = Bytes.nonZero(Bytes.hash(id ^ 0x632B_E59B_D9B4_E019L, keyHash ^ seed));
        gRootSpan[g] = Bytes.nonZero(Bytes.hash(gTraceLo[g], gTraceHi[g] ^ 0x8CB9_2BA7_2F3D_8DD7L));
        gCorrelation[g] = Bytes.nonZero(Bytes.hash(gTraceHi[g], gTraceLo[g] ^ 0x2127_599B_F432_5C37L));
        gStart[g] = ts;
        gEnd[g] = ts;
        gMembers[g] = 0;
        gSatisfied[g] = 0;
        gMatched[g] = 0;
        counters.openAt[p][0].incrementRelease();
        gSeen[g] = 0;
        gCauseSeen[g] = false;
        gHasExitCode[g] = false;
        java.util.Arrays.fill(ctxLength, g * Template.STRING_FIELDS, (g + 1) * Template.STRING_FIELDS, (byte)0);
        gDeadline[g] = Math.min(ts + pattern.maxSpanNanos, ts + pattern.maxGapNanos);
        heapInsert(g);
        counters.opened.incrementRelease();
        counters.openedBy[p].incrementRelease();
        return g;
    }

    private void bind(final int g, final byte[] key, final int len)
    {
        index.remove(gIndexHash[g]);
        final long h = indexHash(gPattern[g], key, len);
        gKeyLength[g] = len;
        System.arraycopy(key, 0, gKey, g * KEY_MAX, len);
        gIndexHash[g] = h;
        gBound[g] = true;
        index.put(h, g);
    }

    private int join(final int g, final Step step, final EventFields f)
    {
        final int p = gPattern[g];
        final Pattern pattern = patterns[p];
        final long ts = f.timestamp();
        final long id = f.eventId();
        final int base = g * maxMembers;
        final int listed = Math.min(gMembers[g], maxMembers);
        int r = 0;
        for (int i = listed - 1; i >= 0 && r < outRelated.length; i--)
        {
            outRelated[r++] = mId[base + i];
        }
        outRelatedCount = r;
        if (listed < maxMembers)
        {
            mId[base + listed] = id;
            mTime[base + listed] = ts;
            mStep[base + listed] = (byte)step.index;
        }
        else
        {
            counters.membersUnlisted.incrementRelease();
        }
        gMembers[g]++;
        if (ts < gStart[g])
        {
            gStart[g] = ts;
        }
        if (ts > gEnd[g])
        {
            gEnd[g] = ts;
        }
        gSeen[g] |= 1 << step.index;
        updateContext(g, step.index == pattern.rootCauseStep, f);
        final int result;
        if (gState[g] == OPEN)
        {
            final int bit = 1 << step.index;
            if ((gSatisfied[g] & bit) == 0 && (step.count <= 1 || countWithin(g, step)))
            {
                gSatisfied[g] |= bit;
            }
            computeImpact(g, pattern);
            final int matched = Integer.bitCount(gSatisfied[g] & requiredMask[p]);
            final boolean completes = (gSatisfied[g] & requiredMask[p]) == requiredMask[p];
            if (completes || matched != gMatched[g])
            {
                counters.openAt[p][gMatched[g]].decrementRelease();
                if (!completes)
                {
                    counters.openAt[p][matched].incrementRelease();
                }
                gMatched[g] = (byte)matched;
            }
            if (completes)
            {
                gState[g] = COMPLETE;
                openCount--;
                counters.complete.incrementRelease();
                counters.completeBy[p].incrementRelease();
                counters.ended(p, matched, true);
                emit(g, GroupStatus.COMPLETE);
                gDeadline[g] = watermark + settings.retentionNanos;
            }
            else
            {
                gDeadline[g] = Math.min(gStart[g] + pattern.maxSpanNanos, gEnd[g] + pattern.maxGapNanos);
            }
            heapUpdate(g);
            result = GROUPED;
            counters.grouped.incrementRelease();
        }
        else
        {
            computeImpact(g, pattern);
            result = LATE;
            counters.late.incrementRelease();
        }
        outKeepTrace = false;
        outTraceHi = gTraceHi[g];
        outTraceLo = gTraceLo[g];
        outSpanId = Bytes.nonZero(Bytes.hash(id, gTraceHi[g] ^ gTraceLo[g]));
        outParentSpanId = gRootSpan[g];
        outCorrelationId = gCorrelation[g];
        outPatternId = pattern.id;
        outBusiness = gBusiness[g];
        outCustomerFacing = gCustomerFacing[g];
        outSloImpact = gSlo[g];
        return result;
    }

    private boolean countWithin(final int g, final Step step)
    {
        final int base = g * maxMembers;
        final int listed = Math.min(gMembers[g], maxMembers);
        int n = 0;
        for (int i = 0; i < listed; i++)
        {
            if (mStep[base + i] == step.index)
            {
                // insertion sort as we collect
                final long t = mTime[base + i];
                int j = n++;
                while (j > 0 && times[j - 1] > t)
                {
                    times[j] = times[j - 1];
                    j--;
                }
                times[j] = t;
            }
        }
        for (int i = 0; i + step.count - 1 < n; i++)
        {
            if (times[i + step.count - 1] - times[i] <= step.withinNanos)
            {
                return true;
            }
        }
        return false;
    }

    private void updateContext(final int g, final boolean cause, final EventFields f)
    {
        final boolean overwrite = cause && !gCauseSeen[g];
        if (cause)
        {
            gCauseSeen[g] = true;
        }
        final DirectBuffer b = f.buffer();
        final int e = entry;
        // node: the event's, else the cached one, else this node's
        if (f.varLength(EventFields.NODE) > 0)
        {
            setContext(g, Template.NODE, overwrite, b, f.varOffset(EventFields.NODE), f.varLength(EventFields.NODE));
        }
        else if (e >= 0 && cache.node(e).length > 0)
        {
            setContext(g, Template.NODE, overwrite, cache.node(e));
        }
        else
        {
            setContext(g, Template.NODE, overwrite, localNode);
        }
        if (e >= 0)
        {
            setContext(g, Template.NAMESPACE, overwrite, cache.namespace(e));
            setContext(g, Template.POD, overwrite, cache.pod(e));
            setContext(g, Template.CONTAINER, overwrite, cache.container(e));
        }
        else
        {
            setContext(g, Template.NAMESPACE, overwrite, b, f.varOffset(EventFields.NAMESPACE), f.varLength(EventFields.NAMESPACE));
            setContext(g, Template.POD, overwrite, b, f.varOffset(EventFields.POD), f.varLength(EventFields.POD));
            setContext(g, Template.CONTAINER, overwrite, b, f.varOffset(EventFields.CONTAINER), f.varLength(EventFields.CONTAINER));
        }
        setContext(g, Template.UNIT, overwrite, b, f.varOffset(EventFields.UNIT), f.varLength(EventFields.UNIT));
        setContext(g, Template.COMM, overwrite, b, f.varOffset(EventFields.COMM), f.varLength(EventFields.COMM));
        setContext(g, Template.MESSAGE, overwrite, b, f.varOffset(EventFields.MESSAGE), f.varLength(EventFields.MESSAGE));
        int n = serviceValue(f, value, 0);
        if (n > 0)
        {
            setContext(g, Template.SERVICE, overwrite, value, n);
        }
        n = peerValue(f, value, 0);
        if (n > 0)
        {
            setContext(g, Template.PEER, overwrite, value, n);
        }
        final int exit = f.exitCode();
        if (exit != dev.tapio.codecs.sbe.EventDecoder.exitCodeNullValue() && (overwrite || !gHasExitCode[g]))
        {
            gExitCode[g] = exit;
            gHasExitCode[g] = true;
        }
    }

    private void setContext(final int g, final int field, final boolean overwrite, final DirectBuffer b, final int offset, final int length)
    {
        final int li = g * Template.STRING_FIELDS + field;
        if (length == 0 || (!overwrite && ctxLength[li] != 0))
        {
            return;
        }
        final int n = Math.min(length, CTX_WIDTH);
        b.getBytes(offset, ctx, li * CTX_WIDTH, n);
        ctxLength[li] = (byte)n;
    }

    private void setContext(final int g, final int field, final boolean overwrite, final byte[] src)
    {
        setContext(g, field, overwrite, src, src.length);
    }

    private void setContext(final int g, final int field, final boolean overwrite, final byte[] src, final int length)
    {
        final int li = g * Template.STRING_FIELDS + field;
        if (length == 0 || (!overwrite && ctxLength[li] != 0))
        {
            return;
        }
        final int n = Math.min(length, CTX_WIDTH);
        System.arraycopy(src, 0, ctx, li * CTX_WIDTH, n);
        ctxLength[li] = (byte)n;
    }

    private void computeImpact(final int g, final Pattern pattern)
    {
        final int base = g * Template.STRING_FIELDS;
        final int svc = impact.find(impact.services, ctx, (base + Template.SERVICE) * CTX_WIDTH, ctxLength[base + Template.SERVICE] & 0xFF);
        final int ns = impact.find(impact.namespaces, ctx, (base + Template.NAMESPACE) * CTX_WIDTH, ctxLength[base + Template.NAMESPACE] & 0xFF);
        final float criticality = svc >= 0 ? impact.criticality[svc] : ns >= 0 ? impact.criticality[ns] : impact.defaultCriticality;
        gBusiness[g] = Math.min(1f, pattern.business * criticality);
        final boolean cf = svc >= 0 && impact.customerFacing[svc] || ns >= 0 && impact.customerFacing[ns];
        final boolean slo = svc >= 0 && impact.slo[svc] || ns >= 0 && impact.slo[ns];
        gCustomerFacing[g] = pattern.customerFacing || cf;
        gSlo[g] = pattern.sloImpact || slo && pattern.severity.value() >= Severity.ERROR.value();
    }

    // ---------------------------------------------------------------------------------------------
    // Keys and entities

    private int buildKey(final EventFields f, final Entity[] entities, final byte[] out)
    {
        int p = 0;
        for (int i = 0; i < entities.length; i++)
        {
            if (i > 0)
            {
                p = put(out, p, (byte)',');
            }
            final byte[] name = ENTITY_NAMES[entities[i].ordinal()];
            p = put(out, p, name, name.length);
            p = put(out, p, EQ, 1);
            final int start = p;
            p = entityValue(f, entities[i], out, p);
            if (p <= start)
            {
                return -1;
            }
        }
        return p;
    }

    private int entityValue(final EventFields f, final Entity e, final byte[] out, final int p)
    {
        final DirectBuffer b = f.buffer();
        switch (e)
        {
            case NODE:
            {
                if (f.varLength(EventFields.NODE) > 0)
                {
                    return put(out, p, b, f.varOffset(EventFields.NODE), f.varLength(EventFields.NODE));
                }
                if (entry >= 0 && cache.node(entry).length > 0)
                {
                    return put(out, p, cache.node(entry), cache.node(entry).length);
                }
                return put(out, p, localNode, localNode.length);
            }
            case NAMESPACE:
                if (f.varLength(EventFields.NAMESPACE) > 0)
                {
                    return put(out, p, b, f.varOffset(EventFields.NAMESPACE), f.varLength(EventFields.NAMESPACE));
                }
                return entry >= 0 ? put(out, p, cache.namespace(entry), cache.namespace(entry).length) : p;
            case POD:
                if (f.varLength(EventFields.POD) > 0)
                {
                    int q = put(out, p, b, f.varOffset(EventFields.NAMESPACE), f.varLength(EventFields.NAMESPACE));
                    q = put(out, q, (byte)'/');
                    return put(out, q, b, f.varOffset(EventFields.POD), f.varLength(EventFields.POD));
                }
                if (entry >= 0)
                {
                    int q = put(out, p, cache.namespace(entry), cache.namespace(entry).length);
                    q = put(out, q, (byte)'/');
                    return put(out, q, cache.pod(entry), cache.pod(entry).length);
                }
                return p;
            case CONTAINER:
                if (f.varLength(EventFields.POD) > 0 && f.varLength(EventFields.CONTAINER) > 0)
                {
                    int q = put(out, p, b, f.varOffset(EventFields.NAMESPACE), f.varLength(EventFields.NAMESPACE));
                    q = put(out, q, (byte)'/');
                    q = put(out, q, b, f.varOffset(EventFields.POD), f.varLength(EventFields.POD));
                    q = put(out, q, (byte)'/');
                    return put(out, q, b, f.varOffset(EventFields.CONTAINER), f.varLength(EventFields.CONTAINER));
                }
                if (entry >= 0 && cache.container(entry).length > 0)
                {
                    int q = put(out, p, cache.namespace(entry), cache.namespace(entry).length);
                    q = put(out, q, (byte)'/');
                    q = put(out, q, cache.pod(entry), cache.pod(entry).length);
                    q = put(out, q, (byte)'/');
                    return put(out, q, cache.container(entry), cache.container(entry).length);
                }
                if (f.varLength(EventFields.CONTAINER_ID) > 0)
                {
                    int q = put(out, p, (byte)'i');
                    q = put(out, q, (byte)'d');
                    q = put(out, q, (byte)':');
                    return put(out, q, b, f.varOffset(EventFields.CONTAINER_ID), f.varLength(EventFields.CONTAINER_ID));
                }
                if (f.cgroupId() != 0)
                {
                    int q = p;
                    for (final byte c : CGROUP)
                    {
                        q = put(out, q, c);
                    }
                    return Bytes.putUnsigned(out, q, f.cgroupId());
                }
                return p;
            case UNIT:
                return put(out, p, b, f.varOffset(EventFields.UNIT), f.varLength(EventFields.UNIT));
            case SERVICE:
                return serviceValue(f, out, p);
            default:
                return peerValue(f, out, p);
        }
    }

    private static final byte[] CGROUP = "cgroup:".getBytes(StandardCharsets.US_ASCII);

    /** The service an event is about (see docs/CORRELATION.md for the order of sources). */
    private int serviceValue(final EventFields f, final byte[] out, final int p)
    {
        final DirectBuffer b = f.buffer();
        for (final byte[] key : SERVICE_ATTRS)
        {
            final int a = f.attribute(key);
            if (a >= 0 && f.attributeValueLength(a) > 0)
            {
                return put(out, p, b, f.attributeValueOffset(a), f.attributeValueLength(a));
            }
        }
        final int unitLength = f.varLength(EventFields.UNIT);
        if (unitLength > 0)
        {
            final int uo = f.varOffset(EventFields.UNIT);
            final int n = Bytes.endsWith(b, uo, unitLength, SERVICE_SUFFIX) ? unitLength - SERVICE_SUFFIX.length : unitLength;
            if (n > 0)
            {
                return put(out, p, b, uo, n);
            }
        }
        for (final byte[] key : APP_ATTRS)
        {
            final int a = f.attribute(key);
            if (a >= 0 && f.attributeValueLength(a) > 0)
            {
                return put(out, p, b, f.attributeValueOffset(a), f.attributeValueLength(a));
            }
        }
        if (f.varLength(EventFields.CONTAINER) > 0)
        {
            return put(out, p, b, f.varOffset(EventFields.CONTAINER), f.varLength(EventFields.CONTAINER));
        }
        if (entry >= 0 && cache.container(entry).length > 0)
        {
            return put(out, p, cache.container(entry), cache.container(entry).length);
        }
        final int podLength = f.varLength(EventFields.POD);
        if (podLength > 0)
        {
            return put(out, p, b, f.varOffset(EventFields.POD), workloadLength(b, f.varOffset(EventFields.POD), podLength));
        }
        if (f.varLength(EventFields.COMM) > 0)
        {
            return put(out, p, b, f.varOffset(EventFields.COMM), f.varLength(EventFields.COMM));
        }
        return p;
    }

    /**
     * The pod name without the generated suffixes of a Deployment's pods ({@code web-7c5d8f9b6-x2x1k}
     * → {@code web}) or a StatefulSet/Job/DaemonSet pod's single suffix ({@code web-x2x1k} → {@code web}).
     */
    static int workloadLength(final DirectBuffer b, final int offset, final int length)
    {
        int end = length;
        for (int pass = 0; pass < 2; pass++)
        {
            final int dash = lastDash(b, offset, end);
            if (dash <= 0)
            {
                break;
            }
            final int suffix = end - dash - 1;
            if (!(pass == 0 ? suffix == 5 && alnum(b, offset + dash + 1, suffix) :
                suffix >= 6 && suffix <= 10 && alnum(b, offset + dash + 1, suffix)))
            {
                break;
            }
            end = dash;
        }
        return end;
    }

    private static int lastDash(final DirectBuffer b, final int offset, final int end)
    {
        for (int i = end - 1; i >= 0; i--)
        {
            if (b.getByte(offset + i) == '-')
            {
                return i;
            }
        }
        return -1;
    }

    private static boolean alnum(final DirectBuffer b, final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            final byte c = b.getByte(offset + i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9'))
            {
                return false;
            }
        }
        return true;
    }

    private int peerValue(final EventFields f, final byte[] out, final int p)
    {
        for (final byte[] key : PEER_ATTRS)
        {
            final int a = f.attribute(key);
            if (a >= 0 && f.attributeValueLength(a) > 0)
            {
                return put(out, p, f.buffer(), f.attributeValueOffset(a), f.attributeValueLength(a));
            }
        }
        return p;
    }

    private static int put(final byte[] out, final int p, final byte c)
    {
        if (p < out.length)
        {
            out[p] = c;
            return p + 1;
        }
        return p;
    }

    private static int put(final byte[] out, final int p, final byte[] src, final int length)
    {
        final int n = Math.min(length, out.length - p);
        System.arraycopy(src, 0, out, p, n);
        return p + n;
    }

    private static int put(final byte[] out, final int p, final DirectBuffer b, final int offset, final int length)
    {
        final int n = Math.min(length, out.length - p);
        b.getBytes(offset, out, p, n);
        return p + n;
    }

    // ---------------------------------------------------------------------------------------------
    // Closing and records

    private void expireDue()
    {
        int n = 0;
        while (heapSize > 0 && gDeadline[heap[0]] < watermark && n++ < settings.expiriesPerEvent)
        {
            final int g = heap[0];
            if (gState[g] == OPEN)
            {
                close(g, GroupStatus.EXPIRED);
            }
            else
            {
                release(g);
            }
        }
    }

    private void close(final int g, final GroupStatus status)
    {
        final Pattern pattern = patterns[gPattern[g]];
        openCount--;
        counters.openAt[gPattern[g]][gMatched[g]].decrementRelease();
        if (status == GroupStatus.EXPIRED)
        {
            counters.ended(gPattern[g], gMatched[g], false);
        }
        if (gMembers[g] >= pattern.minEvents)
        {
            if (status == GroupStatus.EXPIRED)
            {
                counters.expired.incrementRelease();
                counters.expiredBy[gPattern[g]].incrementRelease();
            }
            else
            {
                counters.flushedOpen.incrementRelease();
            }
            emit(g, status);
        }
        else
        {
            counters.discarded.incrementRelease();
        }
        gState[g] = COMPLETE;
        release(g);
    }

    private void release(final int g)
    {
        if (gState[g] == OPEN)
        {
            openCount--;
            counters.openAt[gPattern[g]][gMatched[g]].decrementRelease();
        }
        if (index.get(gIndexHash[g]) == g)
        {
            index.remove(gIndexHash[g]);
        }
        heapRemove(g);
        gState[g] = FREE;
        free[freeTop++] = g;
    }

    private void emit(final int g, final GroupStatus status)
    {
        final int p = gPattern[g];
        final Pattern pattern = patterns[p];
        final int base = g * maxMembers;
        final int listed = Math.min(gMembers[g], maxMembers);
        // members in event-time order (stable on arrival order)
        for (int i = 0; i < listed; i++)
        {
            final long t = mTime[base + i];
            int j = i;
            while (j > 0 && mTime[base + order[j - 1]] > t)
            {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
        long cause = 0;
        boolean ordered = true;
        long lastFirst = Long.MIN_VALUE;
        for (int s = 0; s < pattern.steps.length; s++)
        {
            long first = Long.MAX_VALUE;
            for (int i = 0; i < listed; i++)
            {
                if (mStep[base + i] == s && mTime[base + i] < first)
                {
                    first = mTime[base + i];
                }
            }
            if (first != Long.MAX_VALUE)
            {
                if (first < lastFirst)
                {
                    ordered = false;
                }
                lastFirst = first;
            }
        }
        for (int k = 0; k < listed && cause == 0; k++)
        {
            if (mStep[base + order[k]] == pattern.rootCauseStep)
            {
                cause = mId[base + order[k]];
            }
        }
        final boolean causeSeen = cause != 0 || (gSeen[g] & (1 << pattern.rootCauseStep)) != 0;
        if (cause == 0 && listed > 0)
        {
            cause = mId[base + order[0]];
        }
        float confidence = (float)Integer.bitCount(gSatisfied[g] & requiredMask[p]) / Math.max(1, pattern.requiredSteps);
        if (!causeSeen)
        {
            confidence *= 0.8f;
        }
        if (pattern.sequence && !ordered)
        {
            confidence *= 0.7f;
        }

        encoder.wrapAndApplyHeader(record, 0, header)
            .groupId(gCorrelation[g])
            .nodeId(settings.nodeId)
            .patternId(pattern.id)
            .status(status)
            .rootSpanId(gRootSpan[g])
            .start(gStart[g])
            .end(gEnd[g])
            .rootCauseEventId(cause)
            .confidence(confidence)
            .memberCount(gMembers[g]);
        encoder.traceId().hi(gTraceHi[g]).lo(gTraceLo[g]);
        encoder.impact().business(gBusiness[g])
            .customerFacing(gCustomerFacing[g] ? BooleanType.T : BooleanType.F)
            .sloImpact(gSlo[g] ? BooleanType.T : BooleanType.F);
        final GroupEncoder.MembersEncoder members = encoder.membersCount(listed);
        for (int k = 0; k < listed; k++)
        {
            final int i = base + order[k];
            members.next().eventId(mId[i]).timestamp(mTime[i]).step(mStep[i]);
        }
        final GroupEncoder.ActionsEncoder actions = encoder.actionsCount(pattern.actions.length);
        final int cb = g * Template.STRING_FIELDS;
        for (final Template t : pattern.actions)
        {
            final int n = t.render(text, ctx, cb * CTX_WIDTH, CTX_WIDTH, ctxLength, cb, gExitCode[g], gHasExitCode[g]);
            actions.next().putText(text, 0, n);
        }
        encoder.putPatternName(pattern.nameUtf8, 0, pattern.nameUtf8.length);
        encoder.putOutcome(pattern.outcomeUtf8, 0, pattern.outcomeUtf8.length);
        encoder.putGroupKey(gKey, g * KEY_MAX, gKeyLength[g]);
        final int n = pattern.summary.render(text, ctx, cb * CTX_WIDTH, CTX_WIDTH, ctxLength, cb, gExitCode[g], gHasExitCode[g]);
        encoder.putRootCauseSummary(text, 0, n);
        listener.onGroup(record, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    // ---------------------------------------------------------------------------------------------
    // Indexed binary min-heap on gDeadline

    private void heapInsert(final int g)
    {
        heap[heapSize] = g;
        heapPos[g] = heapSize;
        heapSize++;
        siftUp(heapPos[g]);
    }

    private void heapUpdate(final int g)
    {
        siftUp(heapPos[g]);
        siftDown(heapPos[g]);
    }

    private void heapRemove(final int g)
    {
        final int i = heapPos[g];
        if (i < 0 || i >= heapSize || heap[i] != g)
        {
            return;
        }
        heapSize--;
        if (i != heapSize)
        {
            final int moved = heap[heapSize];
            heap[i] = moved;
            heapPos[moved] = i;
            siftUp(i);
            siftDown(heapPos[moved]);
        }
        heapPos[g] = -1;
    }

    private void siftUp(final int start)
    {
        int i = start;
        final int g = heap[i];
        final long d = gDeadline[g];
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            final int pg = heap[parent];
            if (gDeadline[pg] <= d)
            {
                break;
            }
            heap[i] = pg;
            heapPos[pg] = i;
            i = parent;
        }
        heap[i] = g;
        heapPos[g] = i;
    }

    private void siftDown(final int start)
    {
        int i = start;
        final int g = heap[i];
        final long d = gDeadline[g];
        while (true)
        {
            final int l = 2 * i + 1;
            if (l >= heapSize)
            {
                break;
            }
            final int r = l + 1;
            final int c = r < heapSize && gDeadline[heap[r]] < gDeadline[heap[l]] ? r : l;
            if (gDeadline[heap[c]] >= d)
            {
                break;
            }
            heap[i] = heap[c];
            heapPos[heap[i]] = i;
            i = c;
        }
        heap[i] = g;
        heapPos[g] = i;
    }

    /** Criticality and flags of configured namespaces and services, found by a hash of their bytes. */
    private static final class ImpactLookup
    {
        final Long2LongHashMap namespaces = new Long2LongHashMap(64, 0.65f, -1);
        final Long2LongHashMap services = new Long2LongHashMap(64, 0.65f, -1);
        final float defaultCriticality;
        final float[] criticality;
        final boolean[] customerFacing;
        final boolean[] slo;
        final byte[][] names;

        ImpactLookup(final ImpactSettings s)
        {
            defaultCriticality = s.defaultCriticality;
            final int n = s.namespaces.size() + s.services.size();
            criticality = new float[n];
            customerFacing = new boolean[n];
            slo = new boolean[n];
            names = new byte[n][];
            int i = 0;
            for (final Map.Entry<String, ImpactSettings.Entry> e : s.namespaces.entrySet())
            {
                add(namespaces, i++, e.getKey(), e.getValue());
            }
            for (final Map.Entry<String, ImpactSettings.Entry> e : s.services.entrySet())
            {
                add(services, i++, e.getKey(), e.getValue());
            }
        }

        private void add(final Long2LongHashMap map, final int i, final String name, final ImpactSettings.Entry e)
        {
            names[i] = name.getBytes(StandardCharsets.UTF_8);
            criticality[i] = e.criticality;
            customerFacing[i] = e.customerFacing;
            slo[i] = e.slo;
            map.put(Bytes.hash(names[i], 0, names[i].length, 17), i);
        }

        int find(final Long2LongHashMap map, final byte[] bytes, final int offset, final int length)
        {
            if (length == 0 || map.isEmpty())
            {
                return -1;
            }
            final int i = (int)map.get(Bytes.hash(bytes, offset, length, 17));
            return i >= 0 && Bytes.equals(names[i], 0, names[i].length, bytes, offset, length) ? i : -1;
        }
    }
}
