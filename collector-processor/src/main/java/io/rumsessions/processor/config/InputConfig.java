package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.List;

/**
 * The input mapping: which attributes and span names mean what. Lists are searched in order,
 * span attributes before resource attributes.
 *
 * @param maxValueLength longer attribute values are cut to this many characters, for the session
 *     rules and on forwarded spans (client ids are not cut: too long, they are ignored)
 * @param maxAttributes attributes kept per forwarded span, resource, event or link; the rest are
 *     dropped and counted in the span's dropped-attributes count
 */
public record InputConfig(
    List<String> sessionIdAttributes,
    String sessionIdUrlParameter,
    List<String> urlAttributes,
    List<String> userAgentAttributes,
    List<String> clientAddressAttributes,
    List<String> referrerAttributes,
    List<String> automationFlagAttributes,
    List<String> pageviewSpanNames,
    List<String> pageviewSpanPrefixes,
    List<String> interactionSpanNames,
    Duration maxClockSkew,
    int maxIdLength,
    int maxValueLength,
    int maxAttributes) {}
