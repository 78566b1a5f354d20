package io.rumsessions.processor.input;

/** The input-mapping values a resource carries for all of its spans. */
public record ResourceFacts(
    String serviceName,
    String sessionId,
    String url,
    String userAgent,
    String clientAddress,
    SpanFacts.Consent consent,
    String referrer,
    String syntheticType,
    String automationFlag) {}
