package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class EventTypesTest
{
    /** The known type names as docs/EVENT-FORMAT.md lists them, in schema order. */
    static final String[] KNOWN_NAMES = {
        "kernel.process.exec",
        "kernel.process.exit",
        "kernel.container.oom_kill",
        "kernel.network.retransmit",
        "kernel.network.reset",
        "k8s.pod.created",
        "k8s.pod.scheduled",
        "k8s.pod.running",
        "k8s.pod.failed",
        "k8s.pod.restarted",
        "k8s.pod.deleted",
        "k8s.event.warning",
        "k8s.node.pressure",
        "systemd.unit.started",
        "systemd.unit.stopped",
        "systemd.unit.failed",
        "cni.ip.allocated",
        "cni.ip.released",
        "cni.error",
        "http.error_rate",
    };

    @Test
    void knowsExactlyTheTwentyDocumentedTypeNamesInSchemaOrder()
    {
        assertEquals(20, KNOWN_NAMES.length);
        assertArrayEquals(KNOWN_NAMES, EventTypes.typeNames());
        assertEquals(20, EventTypes.knownTypeValues().length);
    }

    @Test
    void typeNamesFollowTheSchemaValues()
    {
        final EventType[] known = EventTypes.knownTypeValues();
        for (int i = 0; i < known.length; i++)
        {
            assertEquals(i + 1, known[i].value(), known[i].name());
        }
    }

    @ParameterizedTest
    @EnumSource(value = EventType.class, mode = EnumSource.Mode.EXCLUDE, names = {"OTHER", "NULL_VAL"})
    void everyKnownTypeRoundTripsThroughItsDottedName(final EventType type)
    {
        final String name = EventTypes.name(type);
        assertSame(type, EventTypes.typeOf(name));
        assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), EventTypes.nameUtf8(type));
        assertEquals(KNOWN_NAMES[type.value() - 1], name);
    }

    @Test
    void mapsSelectedTypesToTheirDottedNames()
    {
        assertEquals("kernel.container.oom_kill", EventTypes.name(EventType.KERNEL_CONTAINER_OOM_KILL));
        assertEquals("http.error_rate", EventTypes.name(EventType.HTTP_ERROR_RATE));
        assertEquals("k8s.pod.running", EventTypes.name(EventType.K8S_POD_RUNNING));
        assertEquals("cni.ip.allocated", EventTypes.name(EventType.CNI_IP_ALLOCATED));
        assertEquals("systemd.unit.failed", EventTypes.name(EventType.SYSTEMD_UNIT_FAILED));
        assertSame(EventType.KERNEL_CONTAINER_OOM_KILL, EventTypes.typeOf("kernel.container.oom_kill"));
        assertSame(EventType.CNI_ERROR, EventTypes.typeOf("cni.error"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"custom.thing", "", "kernel.container.oom.kill", "http.error.rate", "Kernel.Process.Exec",
        "kernel.process.exec ", "KERNEL_PROCESS_EXEC", "k8s.pod"})
    void unknownNamesAreOther(final String name)
    {
        assertSame(EventType.OTHER, EventTypes.typeOf(name));
    }

    @Test
    void otherAndNullHaveNoName()
    {
        assertNull(EventTypes.name(EventType.OTHER));
        assertNull(EventTypes.name(EventType.NULL_VAL));
        assertNull(EventTypes.nameUtf8(EventType.OTHER));
    }

    @Test
    void looksUpTypesInsideALargerCharArray()
    {
        final char[] c = "{\"type\":\"k8s.pod.failed\"}".toCharArray();
        assertSame(EventType.K8S_POD_FAILED, EventTypes.typeOf(c, 9, "k8s.pod.failed".length()));
        assertSame(EventType.OTHER, EventTypes.typeOf(c, 9, "k8s.pod.faile".length()));
    }

    @Test
    void sourcesHaveLowerCaseNamesThatRoundTrip()
    {
        assertEquals("kernel, kubernetes, systemd, cni, file, grpc, synthetic", EventTypes.sourceNames());
        for (final Source s : Source.values())
        {
            if (s != Source.NULL_VAL)
            {
                assertSame(s, EventTypes.sourceOf(EventTypes.name(s)));
            }
        }
        assertSame(Source.KUBERNETES, EventTypes.sourceOf("kubernetes"));
        assertNull(EventTypes.sourceOf("k8s"));
        assertNull(EventTypes.sourceOf("KERNEL"));
        assertNull(EventTypes.sourceOf("null_val"));
        assertNull(EventTypes.name(Source.NULL_VAL));
    }

    @Test
    void severitiesHaveLowerCaseNamesThatRoundTrip()
    {
        assertEquals("debug, info, warning, error, critical", EventTypes.severityNames());
        for (final Severity s : Severity.values())
        {
            if (s != Severity.NULL_VAL)
            {
                assertSame(s, EventTypes.severityOf(EventTypes.name(s)));
            }
        }
        assertSame(Severity.WARNING, EventTypes.severityOf("warning"));
        assertNull(EventTypes.severityOf("warn"));
        assertNull(EventTypes.severityOf("loud"));
        assertNull(EventTypes.severityOf("Info"));
        assertNull(EventTypes.severityOf("null_val"));
    }

    @Test
    void returnedArraysAreCopies()
    {
        EventTypes.typeNames()[0] = "changed";
        EventTypes.knownTypeValues()[0] = EventType.OTHER;
        assertEquals("kernel.process.exec", EventTypes.typeNames()[0]);
        assertSame(EventType.KERNEL_PROCESS_EXEC, EventTypes.knownTypeValues()[0]);
    }
}
