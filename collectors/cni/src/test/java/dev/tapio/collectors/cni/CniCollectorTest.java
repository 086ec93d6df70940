package dev.tapio.collectors.cni;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.collectors.cni.CniTestSupport.Recording;
import dev.tapio.collectors.cni.CniTestSupport.Seen;
import dev.tapio.engine.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.tapio.collectors.cni.CniTestSupport.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector against host-local state written the way the plugin writes it (an IP's file holding
 * {@code <containerId>\r\n<ifName>}) and result cache entries the way libcni writes them, in temp
 * directories. The real plugins are run by {@link CniPluginTest}.
 */
@Timeout(60)
@SuppressWarnings("try") // try-with-resources stops the engine; the body need not name it
class CniCollectorTest
{
    @TempDir
    Path tmp;

    private Path networks;
    private Path results;

    private CniSettings settings() throws IOException
    {
        networks = Files.createDirectories(tmp.resolve("networks"));
        results = Files.createDirectories(tmp.resolve("results"));
        return CniSettings.defaults().withNetworksDir(networks).withResultsDir(null)
            .withRescanInterval(Duration.ofMillis(200));
    }

    static Path allocate(final Path networks, final String network, final String ip, final String containerId,
        final String ifName) throws IOException
    {
        final Path dir = Files.createDirectories(networks.resolve(network));
        Files.writeString(dir.resolve("last_reserved_ip.0"), ip);
        return Files.writeString(dir.resolve(ip), containerId + "\r\n" + ifName);
    }

    static String cacheEntry(final String network, final String containerId, final String ifName, final String ip,
        final String pod)
    {
        return "{\"kind\":\"cniCacheV1\",\"containerId\":\"" + containerId + "\",\"config\":\"e30=\",\"ifName\":\"" + ifName +
            "\",\"networkName\":\"" + network + "\",\"netns\":\"/var/run/netns/cni-1\"," +
            "\"cniArgs\":[[\"IgnoreUnknown\",\"1\"],[\"K8S_POD_NAMESPACE\",\"shop\"],[\"K8S_POD_NAME\",\"" + pod +
            "\"],[\"K8S_POD_INFRA_CONTAINER_ID\",\"" + containerId + "\"],[\"K8S_POD_UID\",\"uid-" + pod + "\"]]," +
            "\"result\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"aa:aa:aa:aa:aa:aa\"}," +
            "{\"name\":\"veth1\",\"mac\":\"bb:bb:bb:bb:bb:bb\"},{\"name\":\"" + ifName + "\",\"mac\":\"cc:cc:cc:cc:cc:cc\"," +
            "\"sandbox\":\"/var/run/netns/cni-1\"}],\"ips\":[{\"interface\":2,\"address\":\"" + ip + "/24\",\"gateway\":" +
            "\"10.4.0.1\"}],\"dns\":{}}}";
    }

    @Test
    void emitsAllocatedWhenAnIpFileAppearsAndReleasedWhenItIsRemoved() throws Exception
    {
        final CniSettings s = settings();
        Files.createDirectories(networks.resolve("podnet"));
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final long before = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis() - 50); // file times are coarse
            final Path file = allocate(networks, "podnet", "10.4.0.7", "c0ffee01", "eth0");
            final long mtime = Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS);
            final Seen a = sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.7");
            assertEquals("c0ffee01", a.containerId());
            assertEquals("podnet", a.attribute("network.name"));
            assertEquals("eth0", a.attribute("network.interface.name"));
            assertEquals(Severity.INFO, a.severity());
            // The file's modification time when it was read: created, or already written.
            assertTrue(a.timestamp() >= before && a.timestamp() <= mtime, () -> "the allocation's time is its file's: " +
                a.timestamp() + " not in " + before + " … " + mtime);
            assertEquals("cni-test", a.node());

            Files.delete(file);
            final Seen r = sink.await(EventType.CNI_IP_RELEASED, "10.4.0.7");
            assertEquals("c0ffee01", r.containerId());
            assertEquals("podnet", r.attribute("network.name"));
            assertEquals("eth0", r.attribute("network.interface.name"));
            assertEquals(1, cni.allocatedEvents());
            assertEquals(1, cni.releasedEvents());
            assertEquals(List.of(), sink.of(EventType.CNI_ERROR), "last_reserved_ip.0 is not an allocation");
        }
    }

    @Test
    void handlesIpv6Allocations() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final Path f = allocate(networks, "dual", "fd00:10:4::7", "v6c01", "eth0");
            assertEquals("v6c01", sink.await(EventType.CNI_IP_ALLOCATED, "fd00:10:4::7").containerId());
            Files.delete(f);
            assertEquals("v6c01", sink.await(EventType.CNI_IP_RELEASED, "fd00:10:4::7").containerId());
            assertEquals(List.of(), sink.of(EventType.CNI_ERROR));
        }
    }

    @Test
    void loadsAllocationsPresentAtStartWithoutEventsAndStillReleasesThem() throws Exception
    {
        final CniSettings s = settings();
        final Path before = allocate(networks, "podnet", "10.4.0.2", "before01", "eth0");
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            allocate(networks, "podnet", "10.4.0.3", "after01", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.3");
            Files.delete(before);
            final Seen r = sink.await(EventType.CNI_IP_RELEASED, "10.4.0.2");
            assertEquals("before01", r.containerId());
            assertEquals(List.of("10.4.0.3"), sink.of(EventType.CNI_IP_ALLOCATED).stream()
                .map(e -> e.attribute("network.ip")).toList(), "a restart does not repeat what was allocated before it");
        }
    }

    @Test
    void runAgainOnTheSameInstanceReportsWhatChangedWhileItWasStopped() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s);
        final Recording first = new Recording();
        final Path kept;
        final Path gone;
        try (Engine engine = CniTestSupport.startHealthy(cni, first))
        {
            kept = allocate(networks, "podnet", "10.4.0.90", "kept01", "eth0");
            gone = allocate(networks, "podnet", "10.4.0.91", "gone01", "eth0");
            first.await(EventType.CNI_IP_ALLOCATED, "10.4.0.90");
            first.await(EventType.CNI_IP_ALLOCATED, "10.4.0.91");
        }
        Files.delete(gone);
        allocate(networks, "podnet", "10.4.0.92", "new01", "eth0");
        final Recording second = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, second))
        {
            assertEquals("gone01", second.await(EventType.CNI_IP_RELEASED, "10.4.0.91").containerId());
            assertEquals("new01", second.await(EventType.CNI_IP_ALLOCATED, "10.4.0.92").containerId());
            Files.delete(kept);
            assertEquals("kept01", second.await(EventType.CNI_IP_RELEASED, "10.4.0.90").containerId());
            assertEquals(List.of("10.4.0.92"), second.of(EventType.CNI_IP_ALLOCATED).stream()
                .map(e -> e.attribute("network.ip")).toList(), "nothing repeated");
        }
    }

    @Test
    void emitsAllocationsPresentAtStartWhenConfigured() throws Exception
    {
        final CniSettings s = settings().withEmitExisting(true);
        allocate(networks, "podnet", "10.4.0.2", "before01", "eth0");
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.start(new CniCollector("cni", s), sink))
        {
            assertEquals("before01", sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.2").containerId());
        }
    }

    @Test
    void enrichesAnAllocationFromTheResultCacheEntryWrittenAfterIt() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s.withResultsDir(results).withResultWait(Duration.ofSeconds(10)));
        final Recording sink = new Recording();
        final CountDownLatch stateSeen = new CountDownLatch(1);
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            allocate(networks, "podnet", "10.4.0.9", "feed01", "eth0");
            // The runtime writes its cache entry only after the plugin returned; the event waits for it.
            until(() -> cni.rescans() > 1, () -> "a rescan after the state file");
            assertEquals(List.of(), sink.of(EventType.CNI_IP_ALLOCATED), "held for the result cache");
            Files.writeString(results.resolve("podnet-feed01-eth0"), cacheEntry("podnet", "feed01", "eth0", "10.4.0.9", "web-1"));
            final Seen a = sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.9");
            assertEquals("feed01", a.containerId());
            assertEquals("shop", a.namespace());
            assertEquals("web-1", a.pod());
            assertEquals("uid-web-1", a.podUid());
            assertEquals("10.4.0.9/24", a.attribute("network.ip.prefix"));
            assertEquals("10.4.0.1", a.attribute("network.gateway"));
            assertEquals("cc:cc:cc:cc:cc:cc", a.attribute("network.interface.mac"));
            assertEquals("/var/run/netns/cni-1", a.attribute("cni.sandbox"));
            assertEquals(1, cni.enrichedAllocations());
            stateSeen.countDown();

            Files.delete(results.resolve("podnet-feed01-eth0"));
            Files.delete(networks.resolve("podnet/10.4.0.9"));
            final Seen r = sink.await(EventType.CNI_IP_RELEASED, "10.4.0.9");
            assertEquals("web-1", r.pod(), "the release carries what the allocation learnt");
        }
    }

    @Test
    void publishesWithoutEnrichmentOnceResultWaitIsOver() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s.withResultsDir(results).withResultWait(Duration.ofMillis(300)));
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            allocate(networks, "podnet", "10.4.0.10", "nocache01", "eth0");
            final Seen a = sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.10");
            assertEquals("nocache01", a.containerId());
            assertEquals("", a.pod());
            assertEquals(null, a.attribute("network.gateway"));
        }
    }

    @Test
    void doesNotWaitForAResultCacheThisHostDoesNotHave() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s.withResultsDir(tmp.resolve("no-results"))
            .withResultWait(Duration.ofMinutes(1)));
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            allocate(networks, "podnet", "10.4.0.11", "plain01", "eth0");
            assertEquals("plain01", sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.11").containerId(),
                "published within the test's deadline, not after resultWait (1m)");
        }
    }

    @Test
    void reportsMalformedStateAndResultFilesAsCniErrorsAndKeepsGoing() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s.withResultsDir(results).withResultWait(Duration.ofMillis(300)));
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final Path dir = Files.createDirectories(networks.resolve("podnet"));
            Files.writeString(dir.resolve("not-an-ip"), "abc\r\neth0");
            Files.write(dir.resolve("10.4.0.20"), new byte[]{ 1, 2, 3, '\r', '\n', 'e' });
            Files.writeString(results.resolve("podnet-bad01-eth0"), "{\"kind\":\"cniCacheV1\",\"containerId\":");
            allocate(networks, "podnet", "10.4.0.21", "bad01", "eth0");

            final Seen name = sink.await(e -> e.type() == EventType.CNI_ERROR &&
                dir.resolve("not-an-ip").toString().equals(e.attribute("file.path")), "error for not-an-ip");
            assertEquals(Severity.ERROR, name.severity());
            assertEquals(CniCollector.ERROR_MALFORMED_STATE, name.attribute("error.type"));
            assertEquals("podnet", name.attribute("network.name"));
            assertEquals("host-local IPAM state file: file name is not an IP address", name.message());
            final Seen content = sink.await(e -> e.type() == EventType.CNI_ERROR &&
                dir.resolve("10.4.0.20").toString().equals(e.attribute("file.path")), "error for 10.4.0.20");
            assertTrue(content.message().contains("not a container id"), content.message());
            final Seen result = sink.await(e -> e.type() == EventType.CNI_ERROR &&
                results.resolve("podnet-bad01-eth0").toString().equals(e.attribute("file.path")), "error for the cache entry");
            assertEquals(CniCollector.ERROR_MALFORMED_RESULT, result.attribute("error.type"));
            assertTrue(result.message().contains("not JSON"), result.message());
            assertEquals("bad01", sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.21").containerId(),
                "published without the malformed cache entry");

            // Reported once per look of the file, not at every rescan.
            final long rescans = cni.rescans();
            until(() -> cni.rescans() >= rescans + 3, () -> "three more rescans");
            assertEquals(3, sink.of(EventType.CNI_ERROR).size(), sink.of(EventType.CNI_ERROR)::toString);
            assertEquals(2, cni.malformedStateFiles());
            assertEquals(1, cni.malformedResultFiles());

            allocate(networks, "podnet", "10.4.0.22", "good01", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.22");
            assertEquals(CniCollector.HEALTHY, cni.health());
            assertEquals("running", engine.sourceStates().get("cni"));
        }
    }

    @Test
    void reportsAStateFileLeftEmptyPastTheGracePeriod() throws Exception
    {
        final CniSettings s = settings().withGrace(Duration.ofMillis(200));
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final Path dir = Files.createDirectories(networks.resolve("podnet"));
            Files.createFile(dir.resolve("10.4.0.30"));
            final Seen e = sink.await(x -> x.type() == EventType.CNI_ERROR, "an error for the empty file");
            assertEquals(CniCollector.ERROR_EMPTY_STATE, e.attribute("error.type"));
            assertEquals(dir.resolve("10.4.0.30").toString(), e.attribute("file.path"));
            // Written at last: an allocation after all.
            Files.writeString(dir.resolve("10.4.0.30"), "late01\r\neth0");
            assertEquals("late01", sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.30").containerId());
        }
    }

    @Test
    void waitsDegradedForAMissingNetworksDirAndWatchesItOnceItAppears() throws Exception
    {
        final Path missing = tmp.resolve("later/networks");
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(missing).withResultsDir(null));
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.start(cni, sink))
        {
            until(() -> cni.health().startsWith("degraded"), cni::health);
            assertEquals("degraded: waiting for networksDir " + missing + " to appear", cni.health());
            allocate(missing, "podnet", "10.4.0.40", "first01", "eth0");
            assertEquals("first01", sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.40").containerId(),
                "what appears with the directory is new");
            // Health turns healthy once the directory's networks are attached, just after their events went out.
            until(() -> CniCollector.HEALTHY.equals(cni.health()), cni::health);
        }
    }

    @Test
    void failsAtStartWithTheReasonWhenConfiguredTo() throws Exception
    {
        final Path missing = tmp.resolve("nowhere");
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(missing)
            .withMissingDirectory(CniSettings.MissingDirectory.FAIL));
        try (Engine engine = CniTestSupport.start(cni, new Recording()))
        {
            until(() -> engine.sourceStates().get("cni").startsWith("failed"), engine::sourceStates);
            final String state = engine.sourceStates().get("cni");
            assertTrue(state.contains("cni collector unavailable: networksDir " + missing + " does not exist"), state);
            assertTrue(cni.health().startsWith("failed: networksDir " + missing), cni.health());
        }
    }

    @Test
    void watchesOnlyTheNetworksTheGlobsName() throws Exception
    {
        final CniSettings s = settings().withNetworks(List.of("k8s-*"));
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            allocate(networks, "other", "10.5.0.2", "other01", "eth0");
            allocate(networks, "k8s-pod-network", "10.4.0.50", "k8s01", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.50");
            final long rescans = cni.rescans();
            until(() -> cni.rescans() >= rescans + 2, () -> "two more rescans");
            assertEquals(1, sink.all().size(), sink.all()::toString);
            assertEquals(1, cni.watchedNetworks());
        }
    }

    @Test
    void releasesEveryAllocationOfANetworkWhoseDirectoryIsRemoved() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            allocate(networks, "gone", "10.6.0.2", "g1", "eth0");
            allocate(networks, "gone", "10.6.0.3", "g2", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.6.0.3");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.6.0.2");
            try (var files = Files.list(networks.resolve("gone")))
            {
                for (final Path f : files.toList())
                {
                    Files.delete(f);
                }
            }
            Files.delete(networks.resolve("gone"));
            sink.await(EventType.CNI_IP_RELEASED, "10.6.0.2");
            sink.await(EventType.CNI_IP_RELEASED, "10.6.0.3");
            until(() -> cni.watchedNetworks() == 0, cni::watchedNetworks);
        }
    }

    @Test
    void countsWatchOverflowAndRescansToCatchUp() throws Exception
    {
        final CniSettings s = settings().withRescanInterval(Duration.ofMinutes(5)); // only an overflow rescans
        final Path dir = Files.createDirectories(networks.resolve("podnet"));
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        final CountDownLatch parked = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            cni.beforePoll = () ->
            {
                cni.beforePoll = null;
                parked.countDown();
                try
                {
                    resume.await();
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            };
            assertTrue(parked.await(20, TimeUnit.SECONDS));
            // More events on one key than the JDK's watch service queues (512) while nobody takes them.
            final int n = 1500;
            for (int i = 0; i < n; i++)
            {
                Files.writeString(dir.resolve("10.7." + (i >> 8) + "." + (i & 0xFF)), "ovf" + i + "\r\neth0");
            }
            resume.countDown();
            until(() -> cni.allocatedEvents() == n, cni::allocatedEvents);
            assertTrue(cni.overflows() >= 1, "overflow counted");
            assertTrue(cni.rescans() >= 1, "and answered with a rescan");
            until(() -> sink.of(EventType.CNI_IP_ALLOCATED).size() == n, () -> sink.all().size());
            assertEquals(n, sink.all().stream().map(e -> e.attribute("network.ip")).distinct().count(), "each once");
        }
    }

    @Test
    void reportsAnIpReusedByAnotherContainerAsReleaseThenAllocation() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s);
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final Path f = allocate(networks, "podnet", "10.4.0.60", "one01", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.60");
            Files.writeString(f, "two01\r\neth0");
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis()));
            sink.await(e -> e.type() == EventType.CNI_IP_ALLOCATED && "two01".equals(e.containerId()), "the new owner");
            assertEquals("one01", sink.await(EventType.CNI_IP_RELEASED, "10.4.0.60").containerId());
            final List<String> order = sink.all().stream().map(e -> e.type() + "/" + e.containerId()).toList();
            assertEquals(List.of("CNI_IP_ALLOCATED/one01", "CNI_IP_RELEASED/one01", "CNI_IP_ALLOCATED/two01"), order);
        }
    }

    @Test
    void reportsAnIpStillAllocatedAfterTheRuntimeRemovedItsResultCacheEntry() throws Exception
    {
        final CniSettings s = settings().withGrace(Duration.ofMillis(200));
        final CniCollector cni = new CniCollector("cni", s.withResultsDir(results));
        final Recording sink = new Recording();
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            Files.writeString(results.resolve("podnet-leak01-eth0"), cacheEntry("podnet", "leak01", "eth0", "10.4.0.70", "db-0"));
            final Path state = allocate(networks, "podnet", "10.4.0.70", "leak01", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.70");
            // A runtime's DEL that succeeded removes the entry; host-local should have removed the IP's file first.
            Files.delete(results.resolve("podnet-leak01-eth0"));
            final Seen leak = sink.await(e -> e.type() == EventType.CNI_ERROR, "the leak");
            assertEquals(CniCollector.ERROR_IP_LEAKED, leak.attribute("error.type"));
            assertEquals("10.4.0.70", leak.attribute("network.ip"));
            assertEquals(state.toString(), leak.attribute("file.path"));
            assertEquals("leak01", leak.containerId());
            assertEquals("db-0", leak.pod());
            assertTrue(leak.message().contains("still allocated to container leak01"), leak.message());
            assertEquals(1, cni.leakedIps());

            // A DEL that releases the IP before its entry goes is no leak.
            Files.writeString(results.resolve("podnet-ok01-eth0"), cacheEntry("podnet", "ok01", "eth0", "10.4.0.71", "db-1"));
            final Path ok = allocate(networks, "podnet", "10.4.0.71", "ok01", "eth0");
            sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.71");
            Files.delete(ok);
            Files.delete(results.resolve("podnet-ok01-eth0"));
            sink.await(EventType.CNI_IP_RELEASED, "10.4.0.71");
            final long rescans = cni.rescans();
            until(() -> cni.rescans() >= rescans + 3, () -> "three more rescans, past the grace period");
            assertEquals(1, sink.of(EventType.CNI_ERROR).size(), sink.of(EventType.CNI_ERROR)::toString);
        }
    }

    @Test
    void leavesOutDetailsRatherThanDropAnEventThatWouldNotFitItsSlot() throws Exception
    {
        final CniSettings s = settings();
        final CniCollector cni = new CniCollector("cni", s.withResultsDir(results).withResultWait(Duration.ofSeconds(10)));
        final Recording sink = new Recording();
        final String pod = "a-pod-with-a-rather-long-name-from-a-deployment-7d9c5f8b6-x2x1k";
        try (Engine engine = Engine.builder().slotSize(400).nodeName("cni-test").source(cni)
            .sink(sink).build().start())
        {
            until(() -> CniCollector.HEALTHY.equals(cni.health()), cni::health);
            final String id = "f".repeat(64);
            Files.writeString(results.resolve("podnet-" + id + "-eth0"), cacheEntry("podnet", id, "eth0", "10.4.0.80", pod));
            allocate(networks, "podnet", "10.4.0.80", id, "eth0");
            final Seen a = sink.await(EventType.CNI_IP_ALLOCATED, "10.4.0.80");
            assertEquals(id, a.containerId());
            assertEquals(pod, a.pod());
            assertEquals("cni-test", a.node(), "room was left for the node name");
            assertTrue(cni.trimmedAttributes() > 0, "some details were left out");
            assertEquals(0, engine.counters().totalDropped(), "nothing dropped");

            final Path dir = networks.resolve("podnet");
            final Path bad = dir.resolve("x".repeat(200));
            Files.writeString(bad, "whatever");
            final Seen e = sink.await(x -> x.type() == EventType.CNI_ERROR, "the error, cut to fit");
            assertTrue(e.attribute("file.path").startsWith("…") && e.attribute("file.path").endsWith("x".repeat(100)),
                e.attribute("file.path"));
            assertEquals(0, engine.counters().totalDropped(), "nothing dropped");
        }
    }

    static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
