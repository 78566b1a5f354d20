package io.rumsessions.processor.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import io.rumsessions.processor.attribution.ConversionRules;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the YAML file (optional), lays the command-line overrides over it (dotted keys), and
 * builds the typed {@link ProcessorConfig}. Defaults live here and only here.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static ProcessorConfig load(Path yaml, Map<String, String> overrides) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (yaml != null) {
      try {
        JsonNode parsed = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(yaml));
        if (parsed != null && !parsed.isMissingNode() && !parsed.isNull()) {
          if (!parsed.isObject()) throw new ConfigException(yaml + ": expected a YAML mapping");
          root = (ObjectNode) parsed;
        }
      } catch (IOException e) {
        throw new ConfigException("cannot read config " + yaml + ": " + e.getMessage(), e);
      }
    }
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      put(root, o.getKey(), o.getValue());
    }
    return build(new ConfigTree(root));
  }

  private static void put(ObjectNode root, String dotted, String value) {
    String[] parts = dotted.split("\\.", -1);
    for (String part : parts) {
      // A key of dots alone split into nothing and failed with an index error (found by fuzzing).
      if (part.isEmpty()) throw new ConfigException(dotted + ": not a key such as session.inactivity-timeout");
    }
    ObjectNode n = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = n.get(parts[i]);
      if (!(child instanceof ObjectNode)) {
        child = n.putObject(parts[i]);
      }
      n = (ObjectNode) child;
    }
    n.put(parts[parts.length - 1], value);
  }

  private static double percent(String s) {
    String v = s.trim();
    if (!v.endsWith("%")) throw new IllegalArgumentException(s);
    double p = Double.parseDouble(v.substring(0, v.length() - 1).trim());
    if (!(p > 0 && p <= 100)) throw new IllegalArgumentException(s);
    return p / 100;
  }

  private static ProcessorConfig build(ConfigTree t) {
    int maxConcurrentRequests = t.integer("receiver.max-concurrent-requests", 2 * Runtime.getRuntime().availableProcessors() + 2, 1, 10_000);
    ReceiverConfig receiver =
        new ReceiverConfig(
            t.string("receiver.host", "0.0.0.0"),
            t.integer("receiver.grpc-port", 4317, 0, 65535),
            t.integer("receiver.http-port", 4318, 0, 65535),
            t.bytes("receiver.max-request-bytes", 4L * 1024 * 1024),
            maxConcurrentRequests,
            t.duration("receiver.retry-after", Duration.ofSeconds(1)),
            t.list("receiver.trusted-proxies", List.of()),
            new ReceiverConfig.Cors(
                t.list("receiver.cors.allowed-origins", List.of("*")),
                t.list("receiver.cors.allowed-headers", List.of("Content-Type", "Content-Encoding", "traceparent", "tracestate", "baggage")),
                t.duration("receiver.cors.max-age", Duration.ofHours(2))),
            t.parsed("receiver.memory-limit", 0.85, ConfigLoader::percent, "a share of the heap such as 85%"),
            t.duration("receiver.memory-check-interval", Duration.ofMillis(500)),
            t.duration("receiver.read-timeout", Duration.ofSeconds(10)),
            t.integer("receiver.http-threads", 64, 1, 10_000),
            // More threads than permits would only wait for one.
            Math.min(t.integer("receiver.grpc-threads", maxConcurrentRequests, 1, 10_000), maxConcurrentRequests));
    require(receiver.readTimeout().toMillis() >= 1000, "receiver.read-timeout: must be at least 1s (less would cut off a browser on a slow network)");

    SessionConfig session =
        new SessionConfig(
            t.duration("session.inactivity-timeout", Duration.ofMinutes(30)),
            t.duration("session.allowed-lateness", Duration.ofMinutes(2)),
            t.duration("session.max-length", Duration.ofHours(24)),
            t.bool("session.split-at-midnight", false),
            t.bool("session.split-on-campaign-change", false),
            t.parsed("session.time-zone", ZoneId.of("UTC"), ZoneId::of, "a time zone such as Europe/Berlin"),
            t.integer("session.max-active", 1_000_000, 1, Integer.MAX_VALUE),
            t.parsed("session.on-limit", SessionConfig.LimitPolicy.EVICT_OLDEST,
                s -> SessionConfig.LimitPolicy.valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_')),
                "evict-oldest or reject-new"),
            t.duration("session.sweep-interval", Duration.ofSeconds(5)),
            t.duration("session.engaged-after", Duration.ofSeconds(10)),
            t.integer("session.trace-map-size", 100_000, 0, 100_000_000));
    require(!session.inactivityTimeout().isZero() && !session.inactivityTimeout().isNegative(),
        "session.inactivity-timeout: must be positive");
    require(!session.sweepInterval().isZero() && !session.sweepInterval().isNegative(),
        "session.sweep-interval: must be positive");
    require(!session.allowedLateness().isNegative(), "session.allowed-lateness: must not be negative");
    require(!session.maxLength().isNegative(), "session.max-length: must not be negative (0 = no maximum)");

    InputConfig input =
        new InputConfig(
            t.list("input.session-id-attributes", List.of("session.id", "session_id", "splunk.rumSessionId")),
            t.string("input.session-id-url-parameter", "").trim(),
            t.list("input.url-attributes", List.of("url.full", "http.url", "location.href", "page.url")),
            t.list("input.user-agent-attributes", List.of("user_agent.original", "http.user_agent", "browser.user_agent")),
            t.list("input.client-address-attributes", List.of("client.address")),
            t.list("input.referrer-attributes", List.of("http.request.header.referer", "page.referrer",
                "document.referrer", "browser.referrer", "referrer")),
            t.list("input.automation-flag-attributes", List.of("browser.webdriver", "navigator.webdriver")),
            t.list("input.pageview-span-names", List.of("documentLoad", "routeChange", "pageview")),
            t.list("input.pageview-span-prefixes", List.of("Navigation: ")),
            t.list("input.interaction-span-names", List.of("click", "submit", "keydown")),
            t.duration("input.max-clock-skew", Duration.ofHours(24)),
            t.integer("input.max-id-length", 128, 8, 4096),
            t.integer("input.max-value-length", 4096, 64, 1 << 24),
            t.integer("input.max-attributes", 128, 1, 1 << 20));

    BotsConfig bots =
        new BotsConfig(
            t.bool("bots.enabled", true),
            t.bool("bots.referrer-spam", true),
            t.list("bots.ip-ranges", List.of()),
            t.bool("bots.synthetic-attribute", true),
            t.bool("bots.user-agent", true),
            t.bool("bots.automation-flag", true),
            t.parsed("bots.action", false, v -> switch (v.trim().toLowerCase(Locale.ROOT)) {
              case "drop" -> true;
              case "mark" -> false;
              default -> throw new IllegalArgumentException(v);
            }, "mark or drop"),
            new BotsConfig.Behaviour(
                t.bool("bots.behaviour.enabled", true),
                t.parsed("bots.behaviour.max-pageviews-per-second", 5.0, Double::parseDouble, "a number"),
                t.integer("bots.behaviour.min-pageviews-for-rate", 20, 2, 1_000_000),
                t.integer("bots.behaviour.max-pageviews-without-interaction", 200, 1, 1_000_000)));

    AttributionConfig attribution =
        new AttributionConfig(
            Path.of(t.string("attribution.registry", "campaigns.yaml")),
            t.integer("attribution.max-label-values", 50, 0, 10_000),
            t.list("attribution.same-site-domains", List.of()),
            conversions(t.listOfMaps("conversions")),
            new AttributionConfig.LastNonDirectConfig(
                t.bool("attribution.last-non-direct.enabled", true),
                t.duration("attribution.last-non-direct.lookback", Duration.ofDays(90)),
                t.integer("attribution.last-non-direct.max-visitors", 100_000, 1, 100_000_000)));

    String consentDefault = t.string("consent.default", "denied").trim().toLowerCase(Locale.ROOT);
    require(consentDefault.equals("denied") || consentDefault.equals("granted"),
        "consent.default: expected granted or denied");
    ConsentConfig consent =
        new ConsentConfig(
            t.string("consent.attribute", "consent.analytics"),
            t.string("consent.header", "X-Consent-Analytics").trim(),
            t.bool("consent.honor-gpc", true),
            t.bool("consent.honor-dnt", false),
            consentDefault.equals("granted"));

    MetricsConfig metrics =
        new MetricsConfig(
            t.string("metrics.host", "0.0.0.0"),
            t.integer("metrics.port", 9464, 0, 65535),
            t.integer("metrics.max-services", 100, 1, 100_000),
            t.list("metrics.services", List.of()));

    ExportConfig export =
        new ExportConfig(
            t.string("export.endpoint", "").trim(),
            t.parsed("export.protocol", ExportConfig.Protocol.GRPC,
                s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
                  case "grpc" -> ExportConfig.Protocol.GRPC;
                  case "http/protobuf", "http" -> ExportConfig.Protocol.HTTP_PROTOBUF;
                  default -> throw new IllegalArgumentException(s);
                },
                "grpc or http/protobuf"),
            t.bool("export.session-spans", true),
            t.bool("export.forward-spans", true),
            t.bytes("export.queue-max-bytes", 256L << 20),
            t.integer("export.batch-size", 512, 1, 100_000),
            t.duration("export.timeout", Duration.ofSeconds(10)),
            t.duration("export.retry.initial-interval", Duration.ofSeconds(1)),
            t.duration("export.retry.max-interval", Duration.ofSeconds(30)),
            t.map("export.headers"));

    Path stateDir = Path.of(t.string("state.dir", "rum-sessions-state"));
    String saltDir = t.string("state.salt-dir", "");
    StateConfig state =
        new StateConfig(
            stateDir,
            t.bool("state.snapshot-on-shutdown", true),
            saltDir.isBlank() ? stateDir.resolve("salts") : Path.of(saltDir),
            t.parsed("state.durability", StateConfig.Durability.FSYNC,
                v -> StateConfig.Durability.valueOf(v.trim().toUpperCase(Locale.ROOT)), "fsync, interval or none"),
            t.duration("state.fsync-interval", Duration.ofSeconds(1)),
            t.duration("state.checkpoint-interval", Duration.ofMinutes(1)),
            t.bytes("state.checkpoint-log-bytes", 64L << 20),
            t.integer("state.recent-spans", 1 << 20, 0, 1 << 28),
            t.duration("state.commit-delay", Duration.ofMillis(1)),
            t.parsed("state.checkpoint-cpu-share", 0.1, ConfigLoader::percent, "a share of one core such as 10%"));

    VisitorsConfig visitors =
        new VisitorsConfig(
            t.bool("visitors.enabled", true),
            t.integer("visitors.lg-k", 12, 4, 21),
            t.integer("visitors.lookback-days", 30, 1, 400),
            t.integer("visitors.daily-visitors", 100_000, 1, 1_000_000_000),
            t.parsed("visitors.false-returning", 0.01, Double::parseDouble, "a probability such as 0.01"),
            t.duration("visitors.save-interval", Duration.ofMinutes(10)));
    require(visitors.falseReturning() > 0 && visitors.falseReturning() < 0.5,
        "visitors.false-returning: must be above 0 and below 0.5");
    require(!visitors.saveInterval().isNegative(), "visitors.save-interval: must not be negative (0 = at shutdown only)");

    KafkaConfig kafka =
        new KafkaConfig(
            t.string("kafka.bootstrap", ""),
            t.string("kafka.input-topic", "otlp_spans"),
            t.string("kafka.application-id", "rum-sessions"),
            t.integer("kafka.partitions", 12, 1, 10_000),
            t.integer("kafka.standby-replicas", 1, 0, 10),
            t.integer("kafka.replication-factor", -1, -1, 100),
            t.duration("kafka.tick-interval", Duration.ofSeconds(1)),
            t.duration("kafka.idle-after", Duration.ofSeconds(5)),
            t.duration("kafka.commit-interval", Duration.ofSeconds(1)),
            Map.copyOf(t.flattened("kafka.properties")));
    require(kafka.tickInterval().toMillis() > 0, "kafka.tick-interval: must be above 0");
    require(kafka.commitInterval().toMillis() > 0, "kafka.commit-interval: must be above 0");
    require(kafka.applicationId().matches("[A-Za-z0-9._-]+"), "kafka.application-id: letters, digits, '.', '_' and '-' only");

    t.rejectUnknownKeys();
    return new ProcessorConfig(receiver, session, input, bots, attribution, consent, metrics, export, state, visitors, kafka);
  }

  private static ConversionRules conversions(List<Map<String, String>> rules) {
    try {
      return rules.isEmpty() ? ConversionRules.none() : ConversionRules.parse(rules);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("conversions: " + e.getMessage());
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new ConfigException(message);
  }
}
