package io.rumsessions.processor.ingest;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;

/**
 * One export request's spans as the pipeline walks them, once and in order: resources, their
 * scopes, their spans. Either decoded protobuf messages ({@link MessageSpans}) or the request's
 * bytes read in place, protobuf ({@code receive.OtlpWireSpans}) or OTLP/JSON ({@code
 * receive.OtlpJsonSpans}), which build no message for a span unless it is forwarded.
 */
public interface SpanSource {
  /** Moves to the next resource's spans; false when there is none. */
  boolean nextResource();

  /** The current resource, for forwarding. */
  Resource resource();

  /** What the input mapping reads off the current resource. */
  ResourceFacts resourceFacts(InputMapping mapping);

  /** Moves to the next instrumentation scope of the current resource; false when there is none. */
  boolean nextScope();

  /** The current scope. */
  InstrumentationScope scope();

  /** Moves to the next span of the current scope; false when there is none. */
  boolean nextSpan();

  /** Whether the current span has a 16-byte trace id and an 8-byte span id. */
  boolean hasValidIds();

  /** Maps the current span's attributes, name, kind, status and start time into {@code out}. */
  void map(InputMapping mapping, ResourceFacts resource, SpanFacts out);

  /** The first 8 bytes of the current span's 16-byte trace id, big-endian; only for a span with valid ids. */
  long traceIdHigh();

  /** The last 8 bytes of the current span's 16-byte trace id, big-endian. */
  long traceIdLow();

  /** The current span's 8-byte span id, big-endian; only for a span with valid ids. */
  long spanId();

  String name();

  /** Whether the current span's kind is CLIENT (a browser fetch whose trace a backend joins). */
  boolean isClient();

  /** The current span's attribute of that name as text (see {@link InputMapping#stringOf}), or null. */
  String attribute(String key);

  /** The current span as a message, for forwarding. */
  Span span();
}
