/**
 * Tapio's gRPC streaming API ({@code tapio.api.v1.Events}): {@link dev.tapio.exporters.grpc.GrpcServer}
 * (Ingest, Subscribe, health, reflection), its {@code grpc:} config section
 * ({@link dev.tapio.exporters.grpc.GrpcSection}, {@link dev.tapio.exporters.grpc.GrpcSettings}). See README.md.
 */
package dev.tapio.exporters.grpc;
