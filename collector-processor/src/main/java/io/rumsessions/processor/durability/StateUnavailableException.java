package io.rumsessions.processor.durability;

/**
 * The state cannot be made durable (the log's disk failed or is full): the request is refused
 * with 503 / UNAVAILABLE, which OTLP clients retry, rather than acknowledged and lost.
 */
public final class StateUnavailableException extends RuntimeException {
  public StateUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
