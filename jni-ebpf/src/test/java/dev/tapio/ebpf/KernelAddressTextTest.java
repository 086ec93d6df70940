package dev.tapio.ebpf;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How the kernel collector writes the addresses of TCP events (no kernel needed): IPv4 dotted, IPv6 as
 * RFC 5952 says, an IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) as the IPv4 address, and
 * endpoints with an IPv6 address in brackets.
 */
class KernelAddressTextTest
{
    @Test
    void ipv4IsDotted() throws Exception
    {
        assertEquals("10.0.4.7", text("10.0.4.7", KernelRecord.AF_INET));
        assertEquals("127.0.0.1:8080", endpoint("127.0.0.1", KernelRecord.AF_INET, 8080));
    }

    @Test
    void anIpv4MappedAddressIsTheIpv4AddressItMaps() throws Exception
    {
        assertEquals("127.0.0.1", text(mapped(127, 0, 0, 1), KernelRecord.AF_INET6));
        assertEquals("10.0.4.7:443", endpoint(mapped(10, 0, 4, 7), KernelRecord.AF_INET6, 443));
    }

    @Test
    void ipv6IsWrittenAsRfc5952Says() throws Exception
    {
        assertEquals("::1", text("::1", KernelRecord.AF_INET6));
        assertEquals("::", text("::", KernelRecord.AF_INET6));
        assertEquals("fe80::", text("fe80::", KernelRecord.AF_INET6));
        assertEquals("2001:db8::1", text("2001:db8:0:0:0:0:0:1", KernelRecord.AF_INET6));
        assertEquals("2001:db8:0:1:1:1:1:1", text("2001:db8:0:1:1:1:1:1", KernelRecord.AF_INET6), "one zero group stays");
        assertEquals("2001:db8::1:0:0:1", text("2001:db8:0:0:1:0:0:1", KernelRecord.AF_INET6), "the first of equal runs");
        assertEquals("2001:0:0:1::1", text("2001:0:0:1:0:0:0:1", KernelRecord.AF_INET6), "the longest run");
        assertEquals("::ffff:0:7f00:1", text("::ffff:0:7f00:1", KernelRecord.AF_INET6), "not mapped: ffff is not at 10-11");
        assertEquals("[::1]:5432", endpoint("::1", KernelRecord.AF_INET6, 5432));
    }

    private static String mapped(final int a, final int b, final int c, final int d)
    {
        return "::ffff:" + a + "." + b + "." + c + "." + d;
    }

    private static UnsafeBuffer address(final String literal) throws Exception
    {
        final byte[] raw = InetAddress.getByName(literal).getAddress();
        final byte[] sixteen = new byte[16];
        if (raw.length == 4 && literal.startsWith("::ffff:"))
        {
            sixteen[10] = (byte)0xFF;
            sixteen[11] = (byte)0xFF;
            System.arraycopy(raw, 0, sixteen, 12, 4);
        }
        else
        {
            System.arraycopy(raw, 0, sixteen, 0, raw.length);
        }
        return new UnsafeBuffer(sixteen);
    }

    private static String text(final String literal, final int family) throws Exception
    {
        return new KernelCollector.Ascii().clear().ip(address(literal), 0, family).toString();
    }

    private static String endpoint(final String literal, final int family, final int port) throws Exception
    {
        return new KernelCollector.Ascii().clear().endpoint(address(literal), 0, family, port).toString();
    }
}
