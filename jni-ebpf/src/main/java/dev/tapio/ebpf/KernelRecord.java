package dev.tapio.ebpf;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The layout of {@code struct tapio_event} ({@code src/main/native/tapio_events.h}), read in place from
 * the poll buffer: offsets, kinds, and the TCP state names. No objects per record.
 */
public final class KernelRecord
{
    public static final int EXEC = 1;
    public static final int EXIT = 2;
    public static final int OOM_KILL = 3;
    public static final int RETRANSMIT = 4;
    public static final int RESET = 5;

    public static final int KIND = 0;
    public static final int PID = 4;
    public static final int TID = 8;
    public static final int PPID = 12;
    public static final int UID = 16;
    public static final int EXIT_CODE = 20;
    public static final int TS_NS = 24;
    public static final int CGROUP_ID = 32;
    public static final int AUX = 40;
    public static final int COMM = 48;
    public static final int COMM_LENGTH = 16;
    public static final int FILENAME = 64;
    public static final int FILENAME_LENGTH = 128;
    public static final int NET_FAMILY = 64;
    public static final int NET_SPORT = 66;
    public static final int NET_DPORT = 68;
    public static final int NET_SADDR = 72;
    public static final int NET_DADDR = 88;
    public static final int LENGTH = 192;

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    private static final String[] TCP_STATES = {
        "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
        "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV" };

    private KernelRecord()
    {
    }

    public static int kind(final DirectBuffer b, final int at)
    {
        return b.getInt(at + KIND, ByteOrder.LITTLE_ENDIAN);
    }

    public static int i32(final DirectBuffer b, final int at, final int field)
    {
        return b.getInt(at + field, ByteOrder.LITTLE_ENDIAN);
    }

    public static long i64(final DirectBuffer b, final int at, final int field)
    {
        return b.getLong(at + field, ByteOrder.LITTLE_ENDIAN);
    }

    public static int u16(final DirectBuffer b, final int at, final int field)
    {
        return b.getShort(at + field, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /** Length of the NUL-terminated string at {@code field}, at most {@code max}. */
    public static int cstrLength(final DirectBuffer b, final int at, final int field, final int max)
    {
        for (int i = 0; i < max; i++)
        {
            if (b.getByte(at + field + i) == 0)
            {
                return i;
            }
        }
        return max;
    }

    /** The kernel's name of a TCP state (include/net/tcp_states.h), e.g. ESTABLISHED. */
    public static String tcpState(final long state)
    {
        return state > 0 && state < TCP_STATES.length ? TCP_STATES[(int)state] : "UNKNOWN";
    }

    /** The event type name a kind becomes. */
    public static String typeName(final int kind)
    {
        switch (kind)
        {
            case EXEC:
                return "kernel.process.exec";
            case EXIT:
                return "kernel.process.exit";
            case OOM_KILL:
                return "kernel.container.oom_kill";
            case RETRANSMIT:
                return "kernel.network.retransmit";
            case RESET:
                return "kernel.network.reset";
            default:
                return "unknown";
        }
    }
}
