package dev.tapio.bridge;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceparentTest
{
    @Test
    void generatesValidSampledVersion00Values()
    {
        final SplittableRandom random = new SplittableRandom(1);
        final String a = Traceparent.random(random);
        final String b = Traceparent.random(random);
        assertTrue(Traceparent.isValid(a), a);
        assertEquals(55, a.length());
        assertTrue(a.startsWith("00-") && a.endsWith("-01"), a);
        assertNotEquals(a, b);
    }

    @Test
    void rejectsMalformedValues()
    {
        assertTrue(Traceparent.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        assertFalse(Traceparent.isValid(null));
        assertFalse(Traceparent.isValid(""));
        assertFalse(Traceparent.isValid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), "upper case");
        assertFalse(Traceparent.isValid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "zero trace id");
        assertFalse(Traceparent.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "zero span id");
        assertFalse(Traceparent.isValid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "version");
        assertFalse(Traceparent.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"), "length");
    }
}
