package io.rumsessions.processor.export;

/**
 * Sends one OTLP {@code ExportTraceServiceRequest}, already serialised, and says whether to
 * send it again. Written by hand, small, because the SDK's exporters take {@code SpanData} and
 * keep their retries in memory, while our queue is the state log (see {@link DurableExporter}).
 */
public interface OtlpSender extends AutoCloseable {
  /** What became of one request. */
  record Result(Outcome outcome, long retryAfterMillis, String message) {
    static final Result OK = new Result(Outcome.SUCCESS, 0, "");

    static Result retry(long afterMillis, String message) {
      return new Result(Outcome.RETRY, afterMillis, message);
    }

    static Result failed(String message) {
      return new Result(Outcome.FAILED, 0, message);
    }
  }

  enum Outcome {
    SUCCESS,
    /** The endpoint is down, overloaded or timed out: the OTLP specification says send again. */
    RETRY,
    /** The endpoint refused the data itself: sending it again cannot succeed. */
    FAILED
  }

  Result send(byte[] request);

  @Override
  void close();
}
