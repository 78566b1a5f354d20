package io.rumsessions.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A process's CPU time per thread, from {@code /proc/PID/task/TID/schedstat} (nanoseconds on the
 * CPU), so that a window's latencies can be set against what else ran on the server's core: the
 * JIT's compiler threads, the collector, a checkpoint's writer. On one core each of them delays
 * the requests for as long as it runs (bench/RESULTS.md, "Session 12").
 */
public final class ThreadCpu {
  /** Thread id → (name, nanoseconds on the CPU) at one moment. */
  public record Snapshot(Map<Long, Entry> threads) {}

  public record Entry(String name, long nanos) {}

  /** A group of threads (their names without the trailing number) and its CPU time in a window. */
  public record Use(String group, long nanos) {}

  private ThreadCpu() {}

  public static Snapshot of(long pid) throws IOException {
    Map<Long, Entry> threads = new HashMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
      for (Path task : dir) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          long nanos = Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
          threads.put(Long.parseLong(task.getFileName().toString()), new Entry(name, nanos));
        } catch (NoSuchFileException ended) {
          // The thread ended between the listing and the read: its time is gone with it.
        }
      }
    }
    return new Snapshot(threads);
  }

  /**
   * CPU time per thread group between two snapshots, most first. A thread that started in the
   * window counts from zero; one that ended in it is missing (its time cannot be read any more).
   */
  public static List<Use> between(Snapshot before, Snapshot after) {
    Map<String, Long> groups = new HashMap<>();
    after.threads().forEach((tid, e) -> {
      Entry b = before.threads().get(tid);
      long used = e.nanos() - (b == null ? 0 : b.nanos());
      if (used > 0) groups.merge(group(e.name()), used, Long::sum);
    });
    List<Use> uses = new ArrayList<>();
    groups.forEach((g, n) -> uses.add(new Use(g, n)));
    uses.sort((a, b) -> Long.compare(b.nanos(), a.nanos()));
    return uses;
  }

  /** "C2 CompilerThre", "GC Thread#0", "otlp-grpc-3" → their group: the name without its number. */
  static String group(String threadName) {
    return threadName.replaceAll("[-#_ ]?\\d+$", "");
  }

  /** The {@code top} largest groups as "name ms" and the rest summed, for a report line. */
  public static String describe(List<Use> uses, int top) {
    String head = uses.stream().limit(top)
        .map(u -> String.format("%s %.0f", u.group(), u.nanos() / 1e6))
        .collect(Collectors.joining(", "));
    long rest = uses.stream().skip(top).mapToLong(Use::nanos).sum();
    return rest > 0 ? head + String.format(", others %.0f", rest / 1e6) : head;
  }
}
