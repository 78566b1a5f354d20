package io.rumsessions.bench;

/** How requests travel: OTLP/gRPC (protobuf) or OTLP/HTTP with a JSON body. */
public enum Protocol {
  GRPC("protobuf/gRPC"),
  HTTP_JSON("JSON/HTTP");

  public final String label;

  Protocol(String label) {
    this.label = label;
  }
}
