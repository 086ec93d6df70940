package dev.tapio.engine.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HostPortTest
{
    @Test
    void readsHostAndPortWithBracketedV6AndRefusesWhatIsNotHostPort()
    {
        assertEquals(4317, HostPort.parse("127.0.0.1:4317").getPort());
        assertEquals("127.0.0.1", HostPort.parse("127.0.0.1:0").getHostString());
        assertEquals(new java.net.InetSocketAddress("::1", 9464), HostPort.parse("[::1]:9464"));
        assertEquals("expected host:port, got 'nowhere'",
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse("nowhere")).getMessage());
        assertEquals("expected host:port, got 'h:x'",
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:x")).getMessage());
        assertEquals("port out of range in 'h:70000'",
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:70000")).getMessage());
    }
}
