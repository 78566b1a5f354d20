package io.rumsessions.processor.visitors;

import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.calendar.SiteCalendar;
import io.rumsessions.processor.config.VisitorsConfig;
import io.rumsessions.processor.snapshot.VisitorsFile;
import io.rumsessions.processor.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisitorsCommandTest {
  static final long NOW = UniqueVisitorsTest.DAY0 + 3 * UniqueVisitorsTest.DAY + 3_600_000L;

  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    return VisitorsCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), new ManualClock(NOW));
  }

  static Path instance(Path dir, int from, int to) throws Exception {
    UniqueVisitors v = new UniqueVisitors(new VisitorsConfig(true, 12, 30, 100_000, 0.01, Duration.ZERO),
        new SiteCalendar(ZoneOffset.UTC));
    for (int i = from; i < to; i++) v.sessionStarted("shop", VisitorKey.persistent("user-" + i), NOW - (i % 3) * UniqueVisitorsTest.DAY);
    VisitorsFile f = new VisitorsFile(dir);
    f.write(v);
    return f.path();
  }

  static long row(String table, String population, String window) {
    Matcher m = Pattern.compile("(?m)^shop\\s+" + population + "\\s+" + window + "\\s+(\\d+)$").matcher(table);
    assertThat(m.find()).as("row %s %s in%n%s", population, window, table).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void twoInstancesSharingVisitorsCountEachVisitorOnce(@TempDir Path dir) throws Exception {
    // 6,000 visitors on each instance, 2,000 of them on both: 10,000 people, not 12,000.
    Path a = instance(Files.createDirectories(dir.resolve("a")), 0, 6000);
    Path b = instance(Files.createDirectories(dir.resolve("b")), 4000, 10_000);
    assertThat(run("visitors", a.toString(), b.toString())).as(err.toString()).isZero();
    double bound = 3 * UniqueVisitors.relativeStandardError(12, true);
    assertThat((double) row(out.toString(), "consented", "30d")).isCloseTo(10_000, org.assertj.core.api.Assertions.within(10_000 * bound));
    assertThat((double) row(out.toString(), "consented", "7d")).isCloseTo(10_000, org.assertj.core.api.Assertions.within(10_000 * bound));
  }

  @Test
  void aMissingOrForeignFileIsAnErrorWithExitCode2(@TempDir Path dir) throws Exception {
    assertThat(run("visitors", dir.resolve("nope").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("no such file");
    Path junk = Files.writeString(dir.resolve("junk"), "not a sketch file");
    assertThat(run("visitors", junk.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("not a rum-sessions visitor file");
    assertThat(run("visitors")).isEqualTo(2);
    assertThat(err.toString()).contains("usage:");
  }
}
