package io.rumsessions.bench;

/** How requests travel: OTLP/gRPC (protobuf) or OTLP/HTTP with a JSON body; and what they are. */
public enum Protocol {
  GRPC("protobuf/gRPC"),
  HTTP_JSON("JSON/HTTP"),
  /** The captured OpenTelemetry JS web posts, headers and bodies as sent (see {@link ReplayWorkload}). */
  REPLAY("captured SDK JSON/HTTP");

  public final String label;

  Protocol(String label) {
    this.label = label;
  }
}
