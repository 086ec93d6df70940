package dev.tapio.collectors.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the fabric8 client from the settings: a kubeconfig file (and context) when given, else fabric8's
 * auto-configuration, which uses the pod's service account in a cluster ({@code KUBERNETES_SERVICE_HOST} and
 * {@code /var/run/secrets/kubernetes.io/serviceaccount/token}), else {@code $KUBECONFIG} or
 * {@code ~/.kube/config}. When none of those exists it fails at once, saying so.
 */
final class KubeClients
{
    static final String SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    private KubeClients()
    {
    }

    static KubernetesClient connect(final KubernetesSettings s)
    {
        final String context = s.context().isEmpty() ? null : s.context();
        final Config config;
        if (!s.kubeconfig().isEmpty())
        {
            final File file = new File(s.kubeconfig());
            if (!file.canRead())
            {
                throw new IllegalStateException("kubeconfig " + s.kubeconfig() + " is not readable");
            }
            config = Config.fromKubeconfig(context, file);
        }
        else
        {
            final boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null &&
                Files.isReadable(Path.of(SERVICE_ACCOUNT_TOKEN));
            final String env = System.getenv("KUBECONFIG");
            final boolean kubeconfig = env != null && !env.isEmpty() ||
                Files.isReadable(Path.of(System.getProperty("user.home"), ".kube", "config"));
            if (!inCluster && !kubeconfig)
            {
                throw new IllegalStateException("not in a cluster (no service account token at " + SERVICE_ACCOUNT_TOKEN +
                    ") and no kubeconfig (set kubeconfig: in the source's config, or KUBECONFIG, or ~/.kube/config)");
            }
            config = Config.autoConfigure(context);
        }
        if (context != null && !s.kubeconfig().isEmpty() && config.getCurrentContext() != null &&
            !context.equals(config.getCurrentContext().getName()))
        {
            throw new IllegalStateException("kubeconfig " + s.kubeconfig() + " has no context " + context);
        }
        final int timeout = (int)Math.min(Integer.MAX_VALUE, s.startTimeout().toMillis());
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(config)
            .withConnectionTimeout(timeout)
            .withRequestTimeout(timeout)
            // A start against an API server that does not answer should fail within about startTimeout, not
            // after fabric8's ten exponential retries; the informers' watches reconnect on their own schedule.
            .withRequestRetryBackoffLimit(2)
            .build()).build();
    }

    static String describe(final KubernetesClient client)
    {
        return String.valueOf(client.getMasterUrl());
    }

    /** The innermost useful message of a failure, on one line. */
    static String reason(final Throwable t)
    {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.ExecutionException || c instanceof java.util.concurrent.CompletionException ||
            c instanceof KubernetesClientException && c.getCause() != null && ((KubernetesClientException)c).getCode() <= 0) &&
            c.getCause() != null)
        {
            c = c.getCause();
        }
        if (c instanceof KubernetesClientException && ((KubernetesClientException)c).getCode() > 0)
        {
            final KubernetesClientException k = (KubernetesClientException)c;
            return "HTTP " + k.getCode() + (k.getStatus() != null && k.getStatus().getMessage() != null ?
                " " + k.getStatus().getMessage() : "");
        }
        if (c instanceof java.util.concurrent.TimeoutException)
        {
            return "no answer in time";
        }
        final String m = c.getMessage();
        return (m == null || m.isEmpty() ? c.getClass().getSimpleName() : m).replace('\n', ' ');
    }
}
