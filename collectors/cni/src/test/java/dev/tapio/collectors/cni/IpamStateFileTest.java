package dev.tapio.collectors.cni;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** host-local's file names and contents, as versions of the plugin have written them. */
class IpamStateFileTest
{
    private static String[] parse(final String content)
    {
        return IpamStateFile.parse(content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheContainerIdAndInterfaceInEveryLayoutHostLocalWrote()
    {
        assertArrayEquals(new String[]{ "abc123", "eth0" }, parse("abc123\r\neth0"));   // since plugins 0.8
        assertArrayEquals(new String[]{ "abc123", "eth0" }, parse("abc123\neth0\n"));
        assertArrayEquals(new String[]{ "abc123", "" }, parse("abc123"));              // before: the id only
        assertArrayEquals(new String[]{ "abc123", "" }, parse("  abc123 \n"));
    }

    @Test
    void tellsAnEmptyFileFromAMalformedOne()
    {
        assertNull(parse(""), "created, not yet written");
        assertNull(parse(" \r\n"));
        assertEquals(1, parse("-starts-with-a-dash\r\neth0").length);
        assertTrue(parse("abc\u0001def\neth0")[0].contains("not a container id"), parse("abc\u0001def\neth0")[0]);
        assertTrue(parse("abc\neth0\nthird")[0].contains("more than two lines"));
        assertTrue(parse("abc\nan-interface-name-too-long")[0].contains("not an interface name"));
    }

    @Test
    void recognisesIpAddressFileNamesWithoutLookingAnythingUp()
    {
        assertTrue(IpamStateFile.isIpLiteral("10.22.0.5"));
        assertTrue(IpamStateFile.isIpLiteral("fd00::5"));
        assertTrue(IpamStateFile.isIpLiteral("2001:db8::a:1"));
        assertTrue(IpamStateFile.isIpLiteral("::ffff:10.0.0.1"));
        assertFalse(IpamStateFile.isIpLiteral("10.22.0.256"));
        assertFalse(IpamStateFile.isIpLiteral("10.22.0"));
        assertFalse(IpamStateFile.isIpLiteral("localhost"));
        assertFalse(IpamStateFile.isIpLiteral("example.com"));
        assertFalse(IpamStateFile.isIpLiteral("fd00:::5:::"));
        assertFalse(IpamStateFile.isIpLiteral("lock"));
    }

    @Test
    void ignoresTheFilesThatAreNoAllocations()
    {
        assertTrue(IpamStateFile.ignored("lock"));
        assertTrue(IpamStateFile.ignored("last_reserved_ip.0"));
        assertTrue(IpamStateFile.ignored("last_reserved_ip.1"));
        assertFalse(IpamStateFile.ignored("10.22.0.5"));
    }
}
