package io.rumsessions.kafka.broker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code bin/kafka-dev}'s first half: writes the broker's config into the data directory,
 * formats it if it is new, and prints the command that runs the broker, one argument per line,
 * for the script to {@code exec} (so the broker is the foreground process and Ctrl-C stops it
 * cleanly). Messages go to stderr; {@code --help} prints no command.
 */
public final class KafkaDev {
  static final String USAGE = """
      usage: bin/kafka-dev [--data-dir DIR] [--host HOST] [--port N] [--controller-port N]
      Starts a single-node Apache Kafka broker (KRaft, broker and controller in one JVM) in the
      foreground; Ctrl-C stops it. Its data stays in DIR between runs.
        --data-dir DIR         default ~/.cache/rum-sessions/kafka-dev (formatted on first use)
        --host HOST            listen and advertise on HOST (default localhost)
        --port N               clients' port, bootstrap.servers=HOST:N (default 9092)
        --controller-port N    the KRaft controller's port (default 9093); keep it the same for
                               a data dir: the quorum recorded it when the dir was formatted
      """;

  private KafkaDev() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("user.home"), ".cache", "rum-sessions", "kafka-dev");
    String host = "localhost";
    int port = 9092;
    int controllerPort = 9093;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        System.err.print(USAGE);
        return;
      }
      if (i + 1 >= args.length) fail(flag + " needs a value");
      String value = args[++i];
      switch (flag) {
        case "--data-dir" -> dir = Path.of(value);
        case "--host" -> host = value;
        case "--port" -> port = portOf(flag, value);
        case "--controller-port" -> controllerPort = portOf(flag, value);
        default -> fail("unknown flag " + flag);
      }
    }
    boolean fresh = !Files.exists(dir.resolve("data").resolve("meta.properties"));
    if (fresh) System.err.println("kafka-dev: formatting " + dir.toAbsolutePath() + " (first run)");
    KafkaBroker broker = KafkaBroker.prepared(dir, host, port, controllerPort, Map.of());
    System.err.println("kafka-dev: KRaft broker on " + broker.bootstrap() + ", data in " + broker.dir()
        + "; Ctrl-C stops it");
    for (String arg : broker.command()) System.out.println(arg);
  }

  private static int portOf(String flag, String value) {
    try {
      int p = Integer.parseInt(value);
      if (p > 0 && p < 65536) return p;
    } catch (NumberFormatException e) {
      // below
    }
    fail(flag + " must be a port number, not " + value);
    return -1;
  }

  private static void fail(String message) {
    System.err.println("kafka-dev: " + message + "\n" + USAGE);
    System.exit(2);
  }
}
