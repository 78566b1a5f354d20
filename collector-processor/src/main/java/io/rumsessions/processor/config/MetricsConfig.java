package io.rumsessions.processor.config;

/**
 * The Prometheus endpoint.
 *
 * @param maxServices distinct {@code service_name} label values; later services report as
 *     {@code other}, which bounds every metric's series count
 */
public record MetricsConfig(String host, int port, int maxServices) {}
