package io.rumsessions.processor.receive;

/** A request body that is not a valid OTLP trace export; the message says where and why. */
public final class MalformedPayloadException extends Exception {
  public MalformedPayloadException(String message) {
    super(message, null, false, false);
  }
}
