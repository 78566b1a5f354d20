package io.rumsessions.processor.config;

import java.time.Duration;
import java.util.List;

/**
 * The input mapping: which attributes and span names mean what. Lists are searched in order,
 * span attributes before resource attributes.
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
    int maxIdLength) {}
