package io.rumsessions.processor.distributed;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.rumsessions.processor.identity.VisitorIdentity;
import io.rumsessions.processor.ingest.MessageSpans;
import io.rumsessions.processor.ingest.RequestContext;
import io.rumsessions.processor.input.InputMapping;
import io.rumsessions.processor.input.PageUrl;
import io.rumsessions.processor.input.ResourceFacts;
import io.rumsessions.processor.input.SpanFacts;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits an OTLP request into one request per session partition ({@link
 * VisitorIdentity#partitionOf}): the input mapping and consent rules are the engine's, so a
 * span lands where its session is kept. Resources and scopes are kept as they came; only the
 * spans are divided.
 */
final class SpanRouting {
  private final InputMapping mapping;
  private final VisitorIdentity consent;
  private final int partitions;
  private final SpanFacts facts = new SpanFacts();

  /** @param consent decides consent only ({@link VisitorIdentity#granted}); it derives no ids here */
  SpanRouting(InputMapping mapping, VisitorIdentity consent, int partitions) {
    this.mapping = mapping;
    this.consent = consent;
    this.partitions = partitions;
  }

  /** The request's spans by partition, in partition order; empty when it holds none. */
  Map<Integer, ExportTraceServiceRequest> route(ExportTraceServiceRequest request, RequestContext ctx) {
    Map<Integer, ExportTraceServiceRequest.Builder> out = new TreeMap<>();
    MessageSpans spans = new MessageSpans(request);
    while (spans.nextResource()) {
      ResourceFacts rf = spans.resourceFacts(mapping);
      Map<Integer, ResourceSpans.Builder> resources = new LinkedHashMap<>();
      while (spans.nextScope()) {
        Map<Integer, ScopeSpans.Builder> scopes = new LinkedHashMap<>();
        while (spans.nextSpan()) {
          spans.map(mapping, rf, facts);
          boolean granted = consent.granted(facts.consent, ctx);
          int p = VisitorIdentity.partitionOf(granted, facts.clientSessionId, rf.serviceName(),
              facts.clientAddress != null ? facts.clientAddress : ctx.peerAddress(), PageUrl.host(facts.url), partitions);
          scopes.computeIfAbsent(p, k -> ScopeSpans.newBuilder().setScope(spans.scope())).addSpans(spans.span());
        }
        scopes.forEach((p, scope) -> resources
            .computeIfAbsent(p, k -> ResourceSpans.newBuilder().setResource(spans.resource())).addScopeSpans(scope));
      }
      resources.forEach((p, resource) -> out.computeIfAbsent(p, k -> ExportTraceServiceRequest.newBuilder()).addResourceSpans(resource));
    }
    Map<Integer, ExportTraceServiceRequest> built = new TreeMap<>();
    out.forEach((p, b) -> built.put(p, b.build()));
    return built;
  }
}
