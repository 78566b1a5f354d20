package io.rumsessions.processor.durability;

import io.rumsessions.processor.ingest.RecentSpans;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.Channel;
import io.rumsessions.processor.attribution.LastNonDirect;
import io.rumsessions.processor.metrics.ClassicHistogram;
import io.rumsessions.processor.metrics.SavedMetrics;
import io.rumsessions.processor.session.SessionStore;
import io.rumsessions.processor.session.StoredSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
  @TempDir
  Path dir;

  private static Checkpoint sample(int sessions) {
    List<StoredSession> list = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      list.add(new StoredSession("shop", "key-" + i, i % 3, i % 5 == 0, 1_000L * i, 2_000L * i, 3_000L * i, i % 7, 1, 3,
          10L, 20L, "/landing/" + i, i % 2 == 0 ? null : "/exit", "desktop", "organic_search", null, true, null,
          i % 4 == 0 ? "user-" + i : null, 2, 1, "google", "organic", "(organic)", 0));
    }
    SavedMetrics metrics = new SavedMetrics(
        List.of(new SavedMetrics.CounterValue("rum_sessions_started", List.of("shop", "direct", "mobile"), 42)),
        Map.of("rum_session_duration_seconds",
            List.of(new ClassicHistogram.Saved(List.of("shop", "direct", "mobile"), new long[] {1, 2, 3}, 12.5))));
    return new Checkpoint(123_456L, list, metrics, new byte[] {1, 2, 3}, RecentSpans.Snapshot.of(new long[] {7, 8, 9}),
        List.of(new LastNonDirect.Entry(-5L, new Attribution("newsletter", "email", "winter", Attribution.NOT_SET,
            Attribution.NOT_SET, Channel.EMAIL), 99L)));
  }

  @Test
  void everyPartComesBackAsItWasWritten() throws IOException {
    Checkpoints files = new Checkpoints(dir);
    Checkpoint written = sample(5000);
    files.write(written);
    Checkpoint read = files.read();
    assertThat(read.position()).isEqualTo(123_456L);
    assertThat(read.sessions()).isEqualTo(written.sessions());
    assertThat(read.metrics().counters()).isEqualTo(written.metrics().counters());
    ClassicHistogram.Saved h = read.metrics().histograms().get("rum_session_duration_seconds").get(0);
    assertThat(h.counts()).containsExactly(1, 2, 3);
    assertThat(h.sum()).isEqualTo(12.5);
    assertThat(read.visitors()).containsExactly(1, 2, 3);
    assertThat(read.recentSpans().hashes()).containsExactly(7, 8, 9);
    assertThat(read.lastNonDirect()).isEqualTo(written.lastNonDirect());
  }

  @Test
  void noCheckpointReadsAsNone() throws IOException {
    assertThat(new Checkpoints(dir).read()).isNull();
  }

  @Test
  void aDamagedByteAnywhereInTheBodyIsCaught() throws IOException {
    Checkpoints files = new Checkpoints(dir);
    files.write(sample(200));
    byte[] bytes = Files.readAllBytes(files.path());
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(files.path(), bytes);
    assertThatThrownBy(files::read).isInstanceOf(IOException.class);
  }

  @Test
  void aTruncatedCheckpointIsCaught() throws IOException {
    Checkpoints files = new Checkpoints(dir);
    files.write(sample(200));
    byte[] bytes = Files.readAllBytes(files.path());
    Files.write(files.path(), java.util.Arrays.copyOf(bytes, bytes.length - 9));
    assertThatThrownBy(files::read).isInstanceOf(IOException.class).hasMessageContaining("truncated");
  }

  @Test
  void aStoresSessionsComeBackIntoItsColumnsWithEmptyShardsAndTextKeys() throws IOException {
    var config = io.rumsessions.processor.config.ConfigLoader.load(null, Map.of("session.inactivity-timeout", "5m")).session();
    List<String> restoredCalls = new ArrayList<>();
    io.rumsessions.processor.session.SessionListener listener = new io.rumsessions.processor.session.SessionListener() {
      @Override
      public void started(String service, String sessionId, String device, Attribution attribution) {}

      @Override
      public void ended(io.rumsessions.processor.session.SessionSummary summary) {}

      @Override
      public void restored(String service, int count) {
        restoredCalls.add(service + " " + count);
      }
    };
    SessionStore live = new SessionStore(config, listener);
    var out = new io.rumsessions.processor.session.Assignment();
    var event = new io.rumsessions.processor.session.SessionEvent();
    Attribution email = new Attribution("newsletter", "email", "winter", Attribution.NOT_SET, Attribution.NOT_SET, Channel.EMAIL);
    long t0 = 1_795_860_000L * 1_000_000_000L;
    // Few sessions: most shards never get a page. Keys packed (32 hex digits) and as text (Faro, non-Latin-1).
    live.record(new io.rumsessions.processor.session.SessionKey("shop", "0123456789abcdef0123456789abcdef"),
        event.set(t0, true, false, "/").labels("desktop", email), 1_000L, out);
    live.record(new io.rumsessions.processor.session.SessionKey("shop", "faro-\u00e9t\u00e9-\u2603"),
        event.set(t0, true, true, "/caf\u00e9").labels("mobile", Attribution.direct()).stitching("prev-1", "user-\u4e16"), 2_000L, out);
    live.record(new io.rumsessions.processor.session.SessionKey("blog", "short-lived"),
        event.set(t0, true, false, "/post").labels(null, null).bot("user_agent"), 3_000L, out);
    live.sweep(1_000L + 60 * 60_000L);
    live.record(new io.rumsessions.processor.session.SessionKey("docs", "later"),
        event.set(t0 + 500_000_000_000L, true, false, "/docs").labels("desktop", email), 1_000L + 60 * 60_000L, out);

    Checkpoints files = new Checkpoints(dir);
    SessionStore.Frozen frozen = live.freeze();
    try {
      files.write(new Checkpoint(7L, frozen, SavedMetrics.NONE, null, RecentSpans.Snapshot.of(new long[0]), List.of()));
    } finally {
      frozen.release();
    }
    Checkpoint read = files.read();
    assertThat(read.sessions()).containsExactlyInAnyOrderElementsOf(live.snapshot());
    SessionStore restored = new SessionStore(config, listener);
    restored.restore(read.sessions());
    assertThat(restored.snapshot()).containsExactlyInAnyOrderElementsOf(live.snapshot());
    assertThat(restored.activeCount()).isEqualTo(1);
    assertThat(restoredCalls).containsExactly("docs 1");
    assertThat(restored.isActive(new io.rumsessions.processor.session.SessionKey("docs", "later"))).isTrue();
  }

  @Test
  void aVersion3CheckpointIsStillRead() throws IOException {
    // Version 3's body was version 4's with sessions as records and no byte saying so.
    Checkpoint written = sample(50);
    byte[] v4 = Checkpoints.encode(written);
    java.nio.ByteBuffer head = java.nio.ByteBuffer.wrap(v4);
    assertThat(head.getInt(4)).isEqualTo(4);
    int kindAt = 16 + 8;
    byte[] body = new byte[v4.length - 16 - 4 - 1];
    System.arraycopy(v4, 16, body, 0, 8);
    System.arraycopy(v4, kindAt + 1, body, 8, body.length - 8);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(body);
    byte[] v3 = java.nio.ByteBuffer.allocate(16 + body.length + 4).putInt(head.getInt(0)).putInt(3).putLong(body.length)
        .put(body).putInt((int) crc.getValue()).array();
    Checkpoint read = Checkpoints.decode(new java.io.ByteArrayInputStream(v3), v3.length, "v3");
    assertThat(read.position()).isEqualTo(written.position());
    assertThat(read.sessions()).isEqualTo(written.sessions());
    assertThat(read.recentSpans().hashes()).containsExactly(7, 8, 9);
  }
}
