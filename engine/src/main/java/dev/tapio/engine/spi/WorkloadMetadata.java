package dev.tapio.engine.spi;

/**
 * What a {@link MetadataResolver} knows about the pod of an event, as UTF-8 byte arrays that the
 * resolver owns and never changes after publishing them (so a lookup hands out references and copies
 * nothing). An empty array means unknown. The workload is an attribute pair in the manner of the
 * OpenTelemetry semantic conventions: key {@code k8s.deployment.name} (or {@code k8s.statefulset.name},
 * {@code k8s.daemonset.name}, {@code k8s.job.name}, {@code k8s.cronjob.name}, {@code k8s.replicaset.name}),
 * value the workload's name. One per reading thread; not thread-safe.
 */
public final class WorkloadMetadata
{
    private static final byte[] NONE = new byte[0];

    public byte[] namespace = NONE;
    public byte[] pod = NONE;
    public byte[] podUid = NONE;
    public byte[] container = NONE;
    public byte[] node = NONE;
    public byte[] workloadKey = NONE;
    public byte[] workloadName = NONE;

    public WorkloadMetadata clear()
    {
        namespace = NONE;
        pod = NONE;
        podUid = NONE;
        container = NONE;
        node = NONE;
        workloadKey = NONE;
        workloadName = NONE;
        return this;
    }
}
