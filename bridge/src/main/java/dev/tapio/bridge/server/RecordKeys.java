package dev.tapio.bridge.server;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The dedup key of a record: {@code (node number << 1 | kind, id)}, where the node number comes from
 * {@link NodeIds} for the record's own {@code nodeId} field, the kind tells an Event (its
 * {@code eventId}) from a Group (its {@code groupId}), and both ids are read at fixed offsets of the SBE
 * block.
 *
 * <pre>
 *   Event: | header 8 B | eventId | nodeId | …        key = (nodes.indexOf(nodeId) << 1 | 0, eventId)
 *   Group: | header 8 B | groupId | nodeId | …        key = (nodes.indexOf(nodeId) << 1 | 1, groupId)
 * </pre>
 *
 * The same computation serves the ingest path and the rebuild of a window from the tail of a journal
 * after a server restart ({@link #remember}), so the two always agree. Stateless; allocates nothing.
 */
public final class RecordKeys
{
    public static final int KIND_EVENT = 0;
    public static final int KIND_GROUP = 1;

    private static final int EVENT_ID_OFFSET = EventFrames.HEADER_LENGTH + EventDecoder.eventIdEncodingOffset();
    private static final int EVENT_NODE_OFFSET = EventFrames.HEADER_LENGTH + EventDecoder.nodeIdEncodingOffset();
    private static final int GROUP_ID_OFFSET = EventFrames.HEADER_LENGTH + GroupDecoder.groupIdEncodingOffset();
    private static final int GROUP_NODE_OFFSET = EventFrames.HEADER_LENGTH + GroupDecoder.nodeIdEncodingOffset();

    private RecordKeys()
    {
    }

    /** The kind of a record from its template id, or -1 for neither an Event nor a Group. */
    public static int kindOf(final int templateId)
    {
        return templateId == EventFrames.TEMPLATE_ID ? KIND_EVENT : templateId == GroupFrames.TEMPLATE_ID ? KIND_GROUP : -1;
    }

    /** The record's {@code nodeId} field (the producing engine's identity). */
    public static long nodeIdOf(final DirectBuffer buffer, final int start, final int kind)
    {
        return buffer.getLong(start + (kind == KIND_EVENT ? EVENT_NODE_OFFSET : GROUP_NODE_OFFSET), ByteOrder.LITTLE_ENDIAN);
    }

    /** The record's {@code eventId} or {@code groupId}. */
    public static long idOf(final DirectBuffer buffer, final int start, final int kind)
    {
        return buffer.getLong(start + (kind == KIND_EVENT ? EVENT_ID_OFFSET : GROUP_ID_OFFSET), ByteOrder.LITTLE_ENDIAN);
    }

    /** The node part of the window key, or {@link NodeIds#FULL}. */
    public static int nodeKey(final NodeIds nodes, final long nodeId, final int kind)
    {
        final int index = nodes.indexOf(nodeId);
        return index == NodeIds.FULL ? NodeIds.FULL : index << 1 | kind;
    }

    /**
     * Puts the key of one already journaled record into the window (oldest first, as they were accepted),
     * for rebuilding a window after a restart. Records shorter than their fixed block, or of another
     * template, are skipped.
     *
     * @return true when a key was added.
     */
    public static boolean remember(
        final DedupWindow window, final NodeIds nodes, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < EventFrames.HEADER_LENGTH)
        {
            return false;
        }
        final int kind = kindOf(GroupFrames.templateIdOf(buffer, offset));
        if (kind < 0 || length < (kind == KIND_EVENT ? EventFrames.HEADER_LENGTH + EventFrames.BLOCK_LENGTH :
            EventFrames.HEADER_LENGTH + GroupFrames.BLOCK_LENGTH))
        {
            return false;
        }
        final int node = nodeKey(nodes, nodeIdOf(buffer, offset, kind), kind);
        return node != NodeIds.FULL && window.add(node, idOf(buffer, offset, kind));
    }
}
