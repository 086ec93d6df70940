package dev.tapio.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * fabric8's mock API server in CRUD mode, restartable on the same port with the same objects, and able to
 * answer watch requests with 410 Gone (as an API server does when the resourceVersion a watch resumes from
 * has been compacted away), so tests can force the informers to re-list. Public, in the module's test-jar, for
 * the end-to-end tests in tools.
 */
public final class MockCluster implements AutoCloseable
{
    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    private final AtomicBoolean gone = new AtomicBoolean();
    private final AtomicInteger goneAnswers = new AtomicInteger();
    private final AtomicInteger watches = new AtomicInteger();
    private final Dispatcher dispatcher = new Dispatcher()
    {
        @Override
        public MockResponse dispatch(final RecordedRequest request)
        {
            if (request.getPath() != null && request.getPath().contains("watch=true"))
            {
                if (gone.get())
                {
                    // As the API server says it: the watch opens, then an ERROR event carries the 410 Status.
                    return new MockResponse().withWebSocketUpgrade(new WebSocketListener()
                    {
                        @Override
                        public void onOpen(final WebSocket socket, final Response response)
                        {
                            goneAnswers.incrementAndGet();
                            socket.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\"," +
                                "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (42)\",\"reason\":\"Expired\"," +
                                "\"code\":410}}");
                        }
                    });
                }
                watches.incrementAndGet();
            }
            return crud.dispatch(request);
        }
    };
    private KubernetesMockServer server;
    private final int port;
    private final KubernetesClient client;

    public MockCluster()
    {
        server = newServer();
        server.init();
        port = server.getPort();
        client = server.createClient();
    }

    private KubernetesMockServer newServer()
    {
        return new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    }

    /** The test's own client, for creating and changing objects. */
    public KubernetesClient client()
    {
        return client;
    }

    /** A new client for the collector (it closes its own). */
    public KubernetesClient newClient()
    {
        return server.createClient();
    }

    public String url()
    {
        return client.getMasterUrl().toString();
    }

    /** Stops the API server (every watch connection drops). */
    void stop()
    {
        server.destroy();
    }

    /** Starts it again on the same port, with the same objects. */
    void start() throws Exception
    {
        server = newServer();
        server.init(InetAddress.getByName("localhost"), port);
    }

    /** While set, every watch is ended at once by a 410 Gone (an expired resourceVersion); lists and writes work. */
    void watchesGone(final boolean on)
    {
        gone.set(on);
    }

    int goneAnswers()
    {
        return goneAnswers.get();
    }

    /** Watch requests served so far. */
    int watches()
    {
        return watches.get();
    }

    @Override
    public void close()
    {
        client.close();
        server.destroy();
    }

    static Pod pod(final String namespace, final String name)
    {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
            .addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName("app").withImage("shop/app:1").endContainer().endSpec()
            .build();
    }

    static String containerId(final char c)
    {
        return String.valueOf(c).repeat(64);
    }

    /** The status of a running pod whose container {@code app} has restarted {@code restarts} times. */
    static void running(final Pod p, final String containerId, final int restarts, final String lastReason, final Integer lastExit,
        final String lastContainerId)
    {
        final ContainerStatusBuilder c = new ContainerStatusBuilder().withName("app").withRestartCount(restarts)
            .withContainerID("containerd://" + containerId).withReady(true)
            .withNewState().withNewRunning().withStartedAt("2026-11-23T10:00:0" + Math.min(restarts, 9) + "Z").endRunning().endState();
        if (lastReason != null)
        {
            c.withNewLastState().withNewTerminated().withReason(lastReason).withExitCode(lastExit)
                .withContainerID("containerd://" + lastContainerId).withFinishedAt("2026-11-23T10:00:00Z").endTerminated()
                .endLastState();
        }
        p.getStatus().setPhase("Running");
        p.getStatus().setContainerStatuses(java.util.List.of(c.build()));
    }
}
