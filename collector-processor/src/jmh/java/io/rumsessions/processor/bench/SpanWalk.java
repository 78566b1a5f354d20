package io.rumsessions.processor.bench;

import io.rumsessions.processor.ingest.SpanSource;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;

/** The pipeline's walk over a request's spans, each mapped, for the decoding benchmarks. */
public final class SpanWalk {
  private SpanWalk() {}

  /** Maps every span; returns a number that depends on each one, so that none is optimised away. */
  public static int mapAll(SpanSource spans, InputMapping mapping, SpanFacts facts) {
    int n = 0;
    while (spans.nextResource()) {
      ResourceFacts rf = spans.resourceFacts(mapping);
      while (spans.nextScope()) {
        while (spans.nextSpan()) {
          spans.map(mapping, rf, facts);
          n += facts.pageview ? 1 : 2;
          if (spans.hasValidIds()) n += (int) spans.spanId();
        }
      }
    }
    return n;
  }
}
