package dev.tapio.exporters.webhooks;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * A webhook receiver on loopback (the JDK's HTTP server): records every request (headers lower-cased, raw
 * body) and answers as its script says for the n-th request (0-based). A response may hang until
 * {@link #release()}.
 */
final class Receiver implements AutoCloseable
{
    /** An answer: status, extra headers, body; {@code hang}: wait for {@link #release()} before answering. */
    record Answer(int status, Map<String, String> headers, String body, boolean hang, boolean hangInBody)
    {
        Answer(final int status, final Map<String, String> headers, final String body, final boolean hang)
        {
            this(status, headers, body, hang, false);
        }

        /** Status 200 and the first bytes of a 100-byte body, then nothing until released. */
        static Answer hangingBody()
        {
            return new Answer(200, Map.of(), "", false, true);
        }

        static Answer status(final int status)
        {
            return new Answer(status, Map.of(), "", false);
        }

        static Answer hanging()
        {
            return new Answer(200, Map.of(), "", true);
        }
    }

    /** One request as received. */
    record Request(Map<String, String> headers, byte[] body)
    {
        String header(final String name)
        {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText()
        {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile IntFunction<Answer> script;

    private Receiver(final IntFunction<Answer> script) throws IOException
    {
        this.script = script;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r ->
        {
            final Thread t = new Thread(r, "test-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange ->
        {
            final Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            final byte[] body;
            try (InputStream in = exchange.getRequestBody())
            {
                body = in.readAllBytes();
            }
            final int n;
            synchronized (requests)
            {
                n = requests.size();
                requests.add(new Request(headers, body));
            }
            final Answer a = this.script.apply(n);
            if (a.hang())
            {
                try
                {
                    released.await();
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            }
            if (a.hangInBody())
            {
                exchange.sendResponseHeaders(200, 100);
                final OutputStream os = exchange.getResponseBody();
                os.write("{\"partial\":".getBytes(StandardCharsets.UTF_8));
                os.flush();
                try
                {
                    released.await();
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            final byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0)
            {
                try (OutputStream os = exchange.getResponseBody())
                {
                    os.write(out);
                }
            }
            exchange.close();
        });
        server.start();
    }

    static Receiver start(final IntFunction<Answer> script) throws IOException
    {
        return new Receiver(script);
    }

    void script(final IntFunction<Answer> script)
    {
        this.script = script;
    }

    String url()
    {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    List<Request> requests()
    {
        return new ArrayList<>(requests);
    }

    void release()
    {
        released.countDown();
    }

    @Override
    public void close()
    {
        release();
        server.stop(0);
    }
}
