package io.rumsessions.processor;

import io.rumsessions.processor.attribution.UtmCommand;
import io.rumsessions.processor.config.ConfigException;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.Durations;
import io.rumsessions.processor.config.ProcessorConfig;
import io.rumsessions.processor.distributed.DistributedProcessor;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Command line: {@code rum-sessions [--config FILE] [flags]}; every flag has a YAML key. */
public final class RumSessionsMain {
  /** Flag → the YAML key it sets. */
  static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("--inactivity-timeout", "session.inactivity-timeout");
    FLAGS.put("--allowed-lateness", "session.allowed-lateness");
    FLAGS.put("--max-length", "session.max-length");
    FLAGS.put("--sweep-interval", "session.sweep-interval");
    FLAGS.put("--max-active-sessions", "session.max-active");
    FLAGS.put("--otlp-grpc-port", "receiver.grpc-port");
    FLAGS.put("--otlp-http-port", "receiver.http-port");
    FLAGS.put("--metrics-port", "metrics.port");
    FLAGS.put("--consent-default", "consent.default");
    FLAGS.put("--export-endpoint", "export.endpoint");
    FLAGS.put("--state-dir", "state.dir");
    FLAGS.put("--kafka-bootstrap", "kafka.bootstrap");
  }

  private RumSessionsMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("utm")) {
      System.exit(UtmCommand.run(args, System.out, System.err));
      return;
    }
    if (args.length > 0 && args[0].equals("visitors")) {
      System.exit(io.rumsessions.processor.visitors.VisitorsCommand.run(args, System.out, System.err, InstantSource.system()));
      return;
    }
    ProcessorConfig config;
    try {
      config = parse(args);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("rum-sessions: " + e.getMessage());
      System.err.println("run with --help for the flags");
      System.exit(2);
      return;
    }
    if (config == null) return;
    if (config.kafka().enabled()) {
      runDistributed(config);
      return;
    }
    RumSessionsProcessor processor = new RumSessionsProcessor(config, InstantSource.system()).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      processor.close();
      stopped.countDown();
    }, "rum-shutdown"));
    System.out.printf("rum-sessions: OTLP gRPC :%d, OTLP HTTP :%d (POST /v1/traces), metrics :%d/metrics, inactivity timeout %s%n",
        processor.grpcPort(), processor.httpPort(), processor.metricsPort(),
        Durations.format(config.session().inactivityTimeout()));
    stopped.await();
  }

  /** The distributed mode: a member of the Kafka Streams application, until SIGTERM. */
  private static void runDistributed(ProcessorConfig config) throws Exception {
    DistributedProcessor processor = new DistributedProcessor(config).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      processor.close();
      stopped.countDown();
    }, "rum-shutdown"));
    System.out.printf("rum-sessions: distributed mode, Kafka %s, input topic %s, application %s (%d partitions), metrics :%d/metrics,"
        + " inactivity timeout %s%n", config.kafka().bootstrap(), config.kafka().inputTopic(), config.kafka().applicationId(),
        config.kafka().partitions(), processor.metricsPort(), Durations.format(config.session().inactivityTimeout()));
    stopped.await();
  }

  /** Parses the command line into a configuration; null after printing help. */
  static ProcessorConfig parse(String[] args) {
    Path file = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      if (arg.equals("--help") || arg.equals("-h")) {
        printHelp();
        return null;
      }
      if (value == null) {
        if (i + 1 >= args.length) throw new ConfigException(arg + " needs a value");
        value = args[++i];
      }
      if (arg.equals("--config")) {
        file = Path.of(value);
      } else if (arg.equals("--set")) {
        int e = value.indexOf('=');
        if (e <= 0) throw new ConfigException("--set takes key=value, e.g. --set session.split-at-midnight=true");
        overrides.put(value.substring(0, e), value.substring(e + 1));
      } else if (FLAGS.containsKey(arg)) {
        overrides.put(FLAGS.get(arg), value);
      } else {
        throw new ConfigException("unknown flag " + arg);
      }
    }
    return ConfigLoader.load(file, overrides);
  }

  private static void printHelp() {
    StringBuilder b = new StringBuilder();
    b.append("usage: rum-sessions [--config FILE] [flags]\n");
    b.append("       rum-sessions utm build|list|check ...   (campaign links, see ATTRIBUTION.md)\n");
    b.append("       rum-sessions visitors FILE...          (unique visitors of several instances, merged)\n\n");
    b.append("  --config FILE                YAML configuration (see README)\n");
    FLAGS.forEach((flag, key) -> b.append(String.format("  %-28s sets %s%n", flag + " VALUE", key)));
    b.append("  --set KEY=VALUE              sets any YAML key, e.g. --set session.split-at-midnight=true\n");
    System.out.print(b);
  }
}
