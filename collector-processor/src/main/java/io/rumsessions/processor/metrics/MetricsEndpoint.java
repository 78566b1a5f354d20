package io.rumsessions.processor.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rumsessions.processor.config.MetricsConfig;
import java.io.IOException;

/**
 * The {@code /metrics} endpoint: client_java's HTTPServer, which is the JDK's HttpServer. Two of
 * that server's settings are JVM-wide system properties, read once when its first instance is
 * made, so they are set here, before it: an explicit {@code -D} still wins.
 */
public final class MetricsEndpoint {
  private MetricsEndpoint() {}

  public static HTTPServer start(MetricsConfig config, PrometheusRegistry registry) throws IOException {
    // The JDK server writes headers and body in two writes; with Nagle's algorithm on, the body
    // waits for the ACK of the headers, which a client delays by up to 40 ms: every scrape
    // would take that long.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    // A client that opens a connection and sends nothing holds a server thread until this closes it.
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) System.setProperty("sun.net.httpserver.maxReqTime", "30");
    return HTTPServer.builder().hostname(config.host()).port(config.port()).registry(registry).buildAndStart();
  }
}
