package dev.tapio.tools.replay;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlobTest
{
    private static boolean bytes(final Glob g, final String value)
    {
        final byte[] b = ("xx" + value).getBytes(StandardCharsets.UTF_8);
        return g.matches(b, 2, b.length - 2);
    }

    @Test
    void starMatchesAnyRunIncludingDotsAndQuestionMarkOneCharacter()
    {
        final Glob g = Glob.compile("k8s.pod.*");
        assertTrue(g.matches("k8s.pod.restarted"));
        assertTrue(g.matches("k8s.pod."));
        assertFalse(g.matches("k8s.node.pressure"));
        assertFalse(g.matches("xk8s.pod.running"), "anchored at both ends");
        assertTrue(Glob.compile("kernel.*.oom_kill").matches("kernel.container.oom_kill"));
        assertTrue(Glob.compile("web-?").matches("web-1"));
        assertFalse(Glob.compile("web-?").matches("web-12"));
        assertTrue(bytes(Glob.compile("web-*"), "web-7d9c"));
    }

    @Test
    void setsRangesAndNegation()
    {
        assertTrue(Glob.compile("web-[0-9]").matches("web-4"));
        assertFalse(Glob.compile("web-[0-9]").matches("web-a"));
        assertTrue(Glob.compile("web-[!0-9]").matches("web-a"));
        assertTrue(Glob.compile("[ab]pi").matches("api"));
        assertTrue(Glob.compile("a[-]b").matches("a-b"));
        assertTrue(Glob.compile("a[.^]b").matches("a^b"));
    }

    @Test
    void aValueWithoutWildcardsIsAnExactByteComparison()
    {
        final Glob g = Glob.compile("cart-7f9c");
        assertTrue(g.isExact());
        assertTrue(bytes(g, "cart-7f9c"));
        assertFalse(bytes(g, "cart-7f9"));
        assertFalse(bytes(g, "cart-7f9cd"));
        assertTrue(bytes(Glob.compile("naïve"), "naïve"));
        assertTrue(Glob.compile("a\\*b").isExact());
        assertTrue(Glob.compile("a\\*b").matches("a*b"));
        assertFalse(Glob.compile("a\\*b").matches("axb"));
    }

    @Test
    void badPatternsSayWhatIsWrong()
    {
        assertEquals("empty pattern", assertThrows(IllegalArgumentException.class, () -> Glob.compile("")).getMessage());
        assertEquals("unclosed [ at position 5",
            assertThrows(IllegalArgumentException.class, () -> Glob.compile("k8s.[pod")).getMessage());
        assertEquals("empty [] at position 5",
            assertThrows(IllegalArgumentException.class, () -> Glob.compile("web-[]")).getMessage());
        assertEquals("bad range z-a at position 2",
            assertThrows(IllegalArgumentException.class, () -> Glob.compile("[z-a]")).getMessage());
        assertEquals("trailing backslash", assertThrows(IllegalArgumentException.class, () -> Glob.compile("a\\")).getMessage());
    }
}
