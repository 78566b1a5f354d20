package io.rumsessions.processor.config;

/**
 * The Prometheus endpoint.
 *
 * @param maxServices distinct {@code service_name} label values; later services report as
 *     {@code other}, which bounds every metric's series count
 * @param services service names whose series are created at zero at start, so that even a
 *     site's very first session shows as an increase
 */
public record MetricsConfig(String host, int port, int maxServices, java.util.List<String> services) {}
