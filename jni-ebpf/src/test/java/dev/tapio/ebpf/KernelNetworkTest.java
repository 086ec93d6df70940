package dev.tapio.ebpf;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.ebpf.KernelTestSupport.Recording;
import dev.tapio.ebpf.KernelTestSupport.Seen;
import dev.tapio.engine.Engine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP trouble on the real kernel's loopback, seen by the kernel collector: a connect to a closed port is
 * a reset received in SYN_SENT ({@code kernel.network.reset}, "TCP connection refused"), and segments an
 * nftables rule drops on their way in are retransmitted ({@code kernel.network.retransmit}), each with
 * the connection's addresses (IPv4 as IPv4, also from a dual-stack socket) and ports, and attributed to the
 * socket (its cgroup and uid; its process only when the kernel handled it in the owner's system call, never
 * the task a softirq or timer happened to interrupt). Both flavours of the programs run. Needs root and the
 * native shim, and {@code nft} and bash for the retransmits; skipped with the reason otherwise.
 */
@Timeout(120)
class KernelNetworkTest
{
    private static final Duration WAIT = Duration.ofSeconds(30);

    @BeforeAll
    static void needsTheKernel() throws Exception
    {
        KernelTestSupport.assumeKernelCollector();
    }

    @ParameterizedTest(name = "{0} programs")
    @EnumSource(value = KernelSettings.Programs.class, names = {"TRACEPOINT", "BTF"})
    void aConnectToAClosedPortIsAResetReceivedInSynSent(final KernelSettings.Programs programs) throws Exception
    {
        KernelTestSupport.assumeFlavour(programs, "tcp/tcp_receive_reset");
        refusedConnect(programs, InetAddress.getByName("127.0.0.1"));
    }

    @ParameterizedTest(name = "{0} programs")
    @EnumSource(value = KernelSettings.Programs.class, names = {"TRACEPOINT", "BTF"})
    void aConnectToAClosedIpv6PortIsAResetReceivedInSynSent(final KernelSettings.Programs programs) throws Exception
    {
        KernelTestSupport.assumeFlavour(programs, "tcp/tcp_receive_reset");
        final InetAddress loopback6 = InetAddress.getByName("::1");
        try (ServerSocket probe = new ServerSocket())
        {
            probe.bind(new InetSocketAddress(loopback6, 0));
        }
        catch (final IOException e)
        {
            Assumptions.abort("no IPv6 loopback here (binding [::1] failed: " + e + ")");
        }
        refusedConnect(programs, loopback6);
    }

    private static void refusedConnect(final KernelSettings.Programs programs, final InetAddress loopback) throws Exception
    {
        final String address = loopback.getHostAddress().equals("0:0:0:0:0:0:0:1") ? "::1" : loopback.getHostAddress();
        final KernelCollector kernel = new KernelCollector("kernel", KernelSettings.defaults().withPrograms(programs));
        final Recording sink = new Recording();
        final Engine engine = KernelTestSupport.start(kernel, sink);
        try
        {
            final int port;
            try (ServerSocket closed = new ServerSocket(0, 1, loopback))
            {
                port = closed.getLocalPort();
            }
            assertThrows(ConnectException.class, () ->
            {
                try (Socket client = new Socket())
                {
                    client.connect(new InetSocketAddress(loopback, port), 5_000);
                }
            });

            final Seen reset = sink.await(e -> e.type() == EventType.KERNEL_NETWORK_RESET &&
                    Integer.toString(port).equals(e.attribute("network.peer.port")),
                WAIT, () -> "no reset from port " + port + "; resets " + sink.all(e -> e.type() == EventType.KERNEL_NETWORK_RESET));
            assertEquals("tcp", reset.attribute("network.transport"));
            assertEquals("SYN_SENT", reset.attribute("tcp.state"));
            assertEquals(address, reset.attribute("network.peer.address"));
            assertEquals(address, reset.attribute("network.local.address"));
            final int localPort = Integer.parseInt(reset.attribute("network.local.port"));
            assertTrue(localPort > 0 && localPort != port, () -> "local port " + localPort);
            final String host = address.contains(":") ? "[" + address + "]" : address;
            assertEquals("TCP connection refused " + host + ":" + localPort + " -> " + host + ":" + port + " (SYN_SENT)",
                reset.message());
            assertEquals(Severity.WARNING, reset.severity());
            assertEquals(0, reset.uid(), "the socket's owner is root");
            final long cgroup = KernelTestSupport.ownCgroupV2Id();
            if (cgroup != 0)
            {
                assertEquals(cgroup, reset.cgroupId(), "the socket's cgroup: this JVM's");
            }
            // On loopback the reset is handled while connect() holds the socket, so the process is known: this JVM.
            assertEquals(ProcessHandle.current().pid(), reset.pid(), () -> "pid of " + reset);
        }
        finally
        {
            assertTrue(engine.stop());
        }
        assertEquals(0, engine.counters().totalDropped());
    }

    @ParameterizedTest(name = "{0} programs")
    @EnumSource(value = KernelSettings.Programs.class, names = {"TRACEPOINT", "BTF"})
    void segmentsDroppedOnTheWayInAreRetransmittedAndAttributedToTheSocketsCgroup(final KernelSettings.Programs programs)
        throws Exception
    {
        KernelTestSupport.assumeFlavour(programs, "tcp/tcp_retransmit_skb");
        assumeNft();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "the client is bash (/dev/tcp); /bin/bash is missing");
        // The client runs in a cgroup v2 of its own, so the retransmits' cgroup (the socket's) can be told from the
        // cgroup of whatever task the retransmit timer fires on.
        final Path v2 = KernelTestSupport.mountOf(Files.readAllLines(Path.of("/proc/self/mountinfo")), "cgroup2", null);
        final KernelCollector kernel = new KernelCollector("kernel", KernelSettings.defaults().withPrograms(programs));
        final Recording sink = new Recording();
        final Engine engine = KernelTestSupport.start(kernel, sink);
        Path cgroup = null;
        Process client = null;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")))
        {
            if (v2 != null)
            {
                cgroup = Files.createDirectory(v2.resolve("tapio-net-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong())));
            }
            final int serverPort = server.getLocalPort();
            final List<String> command = new ArrayList<>(List.of("bash", "-c",
                "for f in \"${@:2}\"; do echo $$ > \"$f\" || exit 97; done; exec 3<>/dev/tcp/127.0.0.1/$1 || exit 98; " +
                    "exec cat >&3", "bash", Integer.toString(serverPort)));
            if (cgroup != null)
            {
                command.add(cgroup.resolve("cgroup.procs").toString());
            }
            client = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            server.setSoTimeout((int)WAIT.toMillis());
            try (Socket accepted = server.accept())
            {
                final int clientPort = accepted.getPort();
                final Predicate<Seen> ours = e -> e.type() == EventType.KERNEL_NETWORK_RETRANSMIT &&
                    Integer.toString(clientPort).equals(e.attribute("network.local.port")) &&
                    Integer.toString(serverPort).equals(e.attribute("network.peer.port"));
                final byte[] payload = "retransmit me".getBytes(StandardCharsets.US_ASCII);
                final String table = "tapio_test_" + Integer.toHexString(ThreadLocalRandom.current().nextInt() >>> 1);
                // Dropped at input, after TCP sent them: dropped at output, TCP would see the local error and
                // probe instead of retransmitting.
                nft("table inet " + table + " {\n  chain input {\n" +
                    "    type filter hook input priority 0; policy accept;\n    tcp dport " + serverPort + " drop\n  }\n}\n", "-f", "-");
                try
                {
                    client.getOutputStream().write(payload);
                    client.getOutputStream().flush();
                    KernelTestSupport.until(() -> sink.all(ours).size() >= 2, WAIT,
                        () -> "retransmits of " + clientPort + " -> " + serverPort + ": " + sink.all(ours) + "; all retransmits " +
                            sink.all(e -> e.type() == EventType.KERNEL_NETWORK_RETRANSMIT));
                }
                finally
                {
                    nft(null, "delete", "table", "inet", table);
                }
                final long clientPid = client.pid();
                final long cgroupId = cgroup == null ? 0 : KernelTestSupport.inode(cgroup);
                final boolean ownCgroup = cgroup != null;
                for (final Seen r : sink.all(ours))
                {
                    assertEquals("tcp", r.attribute("network.transport"), r::toString);
                    assertEquals("127.0.0.1", r.attribute("network.local.address"), r::toString);
                    assertEquals("127.0.0.1", r.attribute("network.peer.address"), r::toString);
                    assertEquals("ESTABLISHED", r.attribute("tcp.state"), r::toString);
                    assertEquals("TCP retransmit 127.0.0.1:" + clientPort + " -> 127.0.0.1:" + serverPort + " (ESTABLISHED)",
                        r.message());
                    assertEquals(Severity.WARNING, r.severity());
                    assertEquals(0, r.uid(), () -> "the socket's owner is root: " + r);
                    if (ownCgroup)
                    {
                        assertEquals(cgroupId, r.cgroupId(), () -> "the socket's cgroup, not the timer's task's: " + r);
                    }
                    // The retransmit timer fires on whatever task is on the CPU: the process is the client or unknown.
                    assertTrue(r.pidUnknown() || r.pid() == clientPid, () -> "pid of " + r + " (the client is " + clientPid + ")");
                    assertTrue(!r.pidUnknown() || r.comm().isEmpty(), () -> "no process, so no command: " + r);
                }

                // With the rule gone a later retransmit gets through: the bytes arrive.
                accepted.setSoTimeout((int)WAIT.toMillis());
                final InputStream in = accepted.getInputStream();
                assertArrayEquals(payload, in.readNBytes(payload.length));
            }
        }
        finally
        {
            try
            {
                if (client != null)
                {
                    client.getOutputStream().close();
                    if (!client.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
                    {
                        client.destroyForcibly().waitFor();
                    }
                }
                if (cgroup != null)
                {
                    // A cgroup whose last task has just been reaped can refuse rmdir for a moment.
                    final Path dir = cgroup;
                    KernelTestSupport.until(() -> KernelTestSupport.rmdir(dir), WAIT, () -> "cannot remove " + dir);
                }
            }
            finally
            {
                assertTrue(engine.stop());
            }
        }
        assertEquals(0, engine.counters().totalDropped());
    }

    private static void assumeNft() throws InterruptedException
    {
        try
        {
            final Process p = new ProcessBuilder("nft", "list", "tables").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
                () -> "nft cannot list tables here (no nf_tables, or no CAP_NET_ADMIN): " + out);
        }
        catch (final IOException e)
        {
            Assumptions.abort("nft not found (Debian: apt-get install nftables): " + e.getMessage());
        }
    }

    /** Runs {@code nft args}, with {@code script} (when not null) on its standard input; fails with nft's words. */
    private static void nft(final String script, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("nft"));
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream())
        {
            if (script != null)
            {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            }
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> command + ": still running after 30 s");
        assertEquals(0, p.exitValue(), () -> command + ": " + out);
    }
}
