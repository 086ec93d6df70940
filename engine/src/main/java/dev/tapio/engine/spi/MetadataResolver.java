package dev.tapio.engine.spi;

import org.agrona.DirectBuffer;

/**
 * Names what an event only identifies: a kernel event knows its container id (and often its pod uid)
 * but not the pod's name, namespace or workload. The enrich stage asks a resolver, when the engine has
 * one ({@code Engine.builder().metadata(...)}, or a source that implements this interface), to fill
 * those in on every event that carries a container id or pod uid and lacks a pod name or namespace.
 *
 * <p>Threading: the resolver's data is written by its own threads (e.g. Kubernetes informers); each
 * reading thread takes its own {@link Lookup} once through {@link #newLookup()} and uses it alone. A
 * lookup must not allocate, lock or block on a hit or a miss: it runs on the enrich stage, once per event.
 */
public interface MetadataResolver
{
    /** A lookup for one reading thread; called once per thread, off the hot path. */
    Lookup newLookup();

    /** Looks up metadata by a key read straight from an encoded event. Not thread-safe. */
    interface Lookup
    {
        /**
         * By container runtime id (64 hex digits, without a {@code containerd://} prefix).
         *
         * @return true, with {@code into} filled, when the container is known; false (into untouched) otherwise.
         */
        boolean byContainerId(DirectBuffer buffer, int offset, int length, WorkloadMetadata into);

        /** By pod uid ({@code 8-4-4-4-12} hex with dashes); as {@link #byContainerId}, without a container name. */
        boolean byPodUid(DirectBuffer buffer, int offset, int length, WorkloadMetadata into);
    }
}
