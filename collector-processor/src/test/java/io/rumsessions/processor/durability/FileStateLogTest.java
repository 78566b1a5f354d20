package io.rumsessions.processor.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateLogTest {
  @TempDir
  Path dir;

  private static List<String> replay(Path dir, long from) throws IOException {
    List<String> out = new ArrayList<>();
    try (FileStateLog log = FileStateLog.open(dir, from, 1 << 20, b -> out.add(StandardCharsets.UTF_8.decode(b).toString()))) {
      return out;
    }
  }

  private static long append(FileStateLog log, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return log.append(b, b.length);
  }

  private Path onlySegment() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().matches("wal-[0-9]+\\.log")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  void recordsComeBackInOrderFromTheGivenPositionOn() throws IOException {
    long second;
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      append(log, "one");
      second = append(log, "two");
      long end = append(log, "three");
      log.awaitDurable(end);
      assertThat(log.durablePosition()).isEqualTo(end);
    }
    assertThat(replay(dir, 0)).containsExactly("one", "two", "three");
    assertThat(replay(dir, second)).containsExactly("three");
  }

  @Test
  void whenDurableAnswersOnlyOnceTheRecordIsFsyncedAndOneFsyncCoversTheRecordsWaiting() throws Exception {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      int n = 200;
      java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(n);
      java.util.concurrent.atomic.AtomicInteger early = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicReference<Thread> answeredOn = new java.util.concurrent.atomic.AtomicReference<>();
      for (int i = 0; i < n; i++) {
        long end = append(log, "record " + i);
        log.whenDurable(end, failure -> {
          if (failure != null || log.durablePosition() < end) early.incrementAndGet();
          answeredOn.set(Thread.currentThread());
          answered.countDown();
        });
      }
      assertThat(answered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(early.get()).isZero();
      // No caller's thread made the fsyncs, and records appended while one ran shared the next.
      assertThat(answeredOn.get()).isNotSameAs(Thread.currentThread());
      assertThat(log.syncs()).isBetween(1L, (long) n - 1);
    }
    assertThat(replay(dir, 0)).hasSize(200).startsWith("record 0").endsWith("record 199");
  }

  @Test
  void everyGroupCommitsFsyncsAreTimedOnceWithTheirDuration() throws Exception {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      List<Long> timed = java.util.Collections.synchronizedList(new ArrayList<>());
      log.timeSyncs(timed::add);
      long before = System.nanoTime();
      log.awaitDurable(append(log, "one"));
      long end = 0;
      for (int i = 0; i < 20; i++) end = append(log, "record " + i);
      // A rotation: the group commit after it fsyncs the rotated segment and the directory too.
      log.rotate();
      log.awaitDurable(append(log, "after the rotation"));
      long elapsed = System.nanoTime() - before;
      assertThat(log.durablePosition()).isGreaterThan(end);
      assertThat(timed).hasSize((int) log.syncs()).allSatisfy(n -> assertThat(n).isPositive().isLessThanOrEqualTo(elapsed));
      assertThat(log.syncs()).isEqualTo(2);
    }
  }

  @Test
  void closingAnswersTheRecordsStillWaitingAndLaterOnesWaitForTheirOwnFsync() throws Exception {
    FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {});
    List<IOException> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 50; i++) log.whenDurable(append(log, "r" + i), outcomes::add);
    log.close();
    // Every record queued before close was fsynced and answered by then.
    assertThat(outcomes).hasSize(50).containsOnlyNulls();
    // After close the log cannot make anything durable: the answer is the failure (503), not success.
    long afterClose = log.position() + 1;
    List<IOException> late = new ArrayList<>();
    log.whenDurable(afterClose, late::add);
    assertThat(late).hasSize(1);
    assertThat(late.get(0)).isNotNull();
    assertThat(replay(dir, 0)).hasSize(50);
  }

  @Test
  void aTornLastRecordIsIgnoredAndTheLogContinuesAfterTheLastIntactOne() throws IOException {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      append(log, "kept");
      append(log, "torn by the crash");
    }
    Path segment = onlySegment();
    long size = Files.size(segment);
    try (var c = java.nio.channels.FileChannel.open(segment, StandardOpenOption.WRITE)) {
      c.truncate(size - 5);
    }
    List<String> seen = new ArrayList<>();
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> seen.add(StandardCharsets.UTF_8.decode(b).toString()))) {
      assertThat(seen).containsExactly("kept");
      append(log, "after");
    }
    assertThat(replay(dir, 0)).containsExactly("kept", "after");
  }

  @Test
  void aRecordWhoseChecksumDoesNotMatchEndsTheLog() throws IOException {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      append(log, "good");
      append(log, "flipped");
      append(log, "behind it");
    }
    Path segment = onlySegment();
    byte[] bytes = Files.readAllBytes(segment);
    int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("flipped");
    bytes[at] ^= 1;
    Files.write(segment, bytes);
    assertThat(replay(dir, 0)).containsExactly("good");
  }

  @Test
  void segmentsRotateAndThoseBeforeACheckpointAreDeleted() throws IOException {
    long cut;
    try (FileStateLog log = FileStateLog.open(dir, 0, 64, b -> {})) {
      for (int i = 0; i < 10; i++) append(log, "record number " + i + " with some length");
      log.rotate();
      cut = log.position();
      append(log, "after the checkpoint");
      log.deleteBefore(cut);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("wal-")).count()).isEqualTo(1);
    }
    assertThat(replay(dir, cut)).containsExactly("after the checkpoint");
  }

  /** What a crash would leave: the log directory as it is on disk now, read by a new log. */
  private List<String> replayACopy(Path copy) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) Files.copy(p, copy.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    List<String> out = replay(copy, 0);
    try (Stream<Path> files = Files.list(copy)) {
      for (Path p : files.toList()) Files.delete(p);
    }
    return out;
  }

  @Test
  void deferredWritesReachTheFileWithTheFsyncInOrderAcrossARotation(@TempDir Path copy) throws Exception {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      log.deferWrites();
      append(log, "one");
      append(log, "two");
      // Nothing written yet: a crash now loses both, whose requests are still waiting.
      assertThat(replayACopy(copy)).isEmpty();
      log.rotate();
      long three = append(log, "three");
      // The rotation wrote the first two into their segment; the third waits for the fsync.
      assertThat(replayACopy(copy)).containsExactly("one", "two");
      java.util.concurrent.CompletableFuture<IOException> answered = new java.util.concurrent.CompletableFuture<>();
      log.whenDurable(three, answered::complete);
      assertThat(answered.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
      assertThat(log.durablePosition()).isEqualTo(three);
      assertThat(replayACopy(copy)).containsExactly("one", "two", "three");
      // A reader (the export queue) sees every record appended, written first.
      long four = append(log, "four");
      List<String> read = new ArrayList<>();
      log.read(0, four, (payload, e) -> read.add(StandardCharsets.UTF_8.decode(payload).toString()));
      assertThat(read).containsExactly("one", "two", "three", "four");
    }
    assertThat(replay(dir, 0)).containsExactly("one", "two", "three", "four");
  }

  @Test
  void aMissingSegmentIsAnErrorNotASilentGap() throws IOException {
    try (FileStateLog log = FileStateLog.open(dir, 0, 16, b -> {})) {
      for (int i = 0; i < 4; i++) append(log, "a record of some twenty bytes " + i);
    }
    Path first;
    try (Stream<Path> files = Files.list(dir)) {
      first = files.filter(p -> p.getFileName().toString().startsWith("wal-")).sorted().findFirst().orElseThrow();
    }
    Files.delete(first);
    assertThatThrownBy(() -> replay(dir, 0)).isInstanceOf(IOException.class).hasMessageContaining("gap");
  }

  @Test
  void aLogWrittenInAnotherFormatVersionIsRefusedNotMisread() throws IOException {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      append(log, "a record");
    }
    Path segment = onlySegment();
    byte[] bytes = Files.readAllBytes(segment);
    bytes[4] = (byte) (FileStateLog.FORMAT_VERSION + 1);
    Files.write(segment, bytes);
    assertThatThrownBy(() -> replay(dir, 0)).isInstanceOf(IOException.class).hasMessageContaining("format");
  }

  @Test
  void aRotationUnderTheStateLockDoesNotWaitForTheFsyncInProgress() throws Exception {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, true, b -> {})) {
      java.util.concurrent.CountDownLatch delaying = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      // The fsyncing thread stays in its commit delay until released: its turn to fsync is taken.
      log.commitDelay(new CommitDelay(java.time.Duration.ofSeconds(60), () -> {
        delaying.countDown();
        return release.getCount() > 0 ? 1 : 0;
      }));
      long before = append(log, "before");
      java.util.concurrent.CompletableFuture<Void> synced = java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          log.awaitDurable(before);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertThat(delaying.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // A checkpoint's rotation and the appends after it (all under the state lock) go on meanwhile.
      java.util.concurrent.CompletableFuture<Long> rotated = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          log.rotate();
          return append(log, "after");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      long after = rotated.get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(synced).isNotDone();
      release.countDown();
      synced.get(20, java.util.concurrent.TimeUnit.SECONDS);
      log.awaitDurable(after);
      assertThat(log.durablePosition()).isEqualTo(after);
    }
    assertThat(replay(dir, 0)).containsExactly("before", "after");
    assertThat(names()).noneMatch(n -> n.endsWith(".pending"));
  }

  private List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<String> replayPreallocated(Path dir, long from) throws IOException {
    List<String> out = new ArrayList<>();
    try (FileStateLog log = FileStateLog.open(dir, from, 4096, true, b -> out.add(StandardCharsets.UTF_8.decode(b).toString()))) {
      return out;
    }
  }

  @Test
  void preAllocatedSegmentsAreReadUpToTheirLastRecordAndNotPastTheZeros() throws IOException {
    long end;
    try (FileStateLog log = FileStateLog.open(dir, 0, 4096, true, b -> {})) {
      append(log, "one");
      end = append(log, "two");
      log.awaitDurable(end);
    }
    // The segment is the spare's size, zeros after "two"; a new spare waits for the next one.
    Path segment = onlySegment();
    assertThat(Files.size(segment)).isGreaterThan(4096);
    try (FileStateLog log = FileStateLog.open(dir, 0, 4096, true, b -> {})) {
      // The gauge counts log bytes, not the zeros: the first segment's records, then the new one's header.
      assertThat(log.bytesOnDisk()).isEqualTo(log.position()).isLessThan(4096);
    }
    assertThat(names()).contains("wal-spare.ready");
    List<String> seen = new ArrayList<>();
    try (FileStateLog log = FileStateLog.open(dir, 0, 4096, true, b -> seen.add(StandardCharsets.UTF_8.decode(b).toString()))) {
      assertThat(seen).containsExactly("one", "two");
      assertThat(log.position()).isGreaterThan(end); // a new segment: its header follows the last record
      log.awaitDurable(append(log, "three"));
    }
    assertThat(replayPreallocated(dir, 0)).containsExactly("one", "two", "three");
  }

  @Test
  void restartsAfterTornTailsEachContinueInANewSegment() throws IOException {
    for (String word : List.of("a", "b", "c")) {
      try (FileStateLog log = FileStateLog.open(dir, 0, 4096, true, b -> {})) {
        log.awaitDurable(append(log, word));
        append(log, "torn " + word);
      }
      // The crash tore the last record: its length and part of its payload reached the disk.
      Path last = onlySegment();
      byte[] bytes = Files.readAllBytes(last);
      int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("torn " + word);
      bytes[at + 2] = 0;
      Files.write(last, bytes);
    }
    assertThat(replayPreallocated(dir, 0)).containsExactly("a", "b", "c");
  }

  @Test
  void aRotatedSegmentIsPendingUntilThoseBeforeItAreFsyncedAndReadableMeanwhile() throws IOException {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, true, b -> {})) {
      append(log, "before");
      log.rotate();
      long end = append(log, "after the rotation");
      assertThat(names()).anyMatch(n -> n.endsWith(".pending"));
      // The export queue reads what is written (modes interval and none) before any fsync.
      List<String> read = new ArrayList<>();
      log.read(0, end, (payload, e) -> read.add(StandardCharsets.UTF_8.decode(payload).toString()));
      assertThat(read).containsExactly("before", "after the rotation");
      log.awaitDurable(end);
      assertThat(names()).noneMatch(n -> n.endsWith(".pending"));
    }
    assertThat(replayPreallocated(dir, 0)).containsExactly("before", "after the rotation");
  }

  @Test
  void aPendingSegmentAfterATornPredecessorWasNeverAcknowledgedAndIsDropped(@TempDir Path copy) throws IOException {
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, true, b -> {})) {
      log.awaitDurable(append(log, "acknowledged"));
      append(log, "lost with the power");
      log.rotate();
      append(log, "never fsynced either");
      // power lost here: no awaitDurable, so the new segment is still pending
      Path pending;
      try (Stream<Path> files = Files.list(dir)) {
        pending = files.filter(p -> p.getFileName().toString().endsWith(".pending")).findFirst().orElseThrow();
      }
      // The segments as the crash left them (the spare, still being written by its thread, is not needed).
      for (String n : names()) if (!n.startsWith("wal-spare")) Files.copy(dir.resolve(n), copy.resolve(n));
      // The first segment's unsynced record did not reach the disk; the pending segment did.
      Path first = copy.resolve(onlySegmentBefore(pending));
      byte[] bytes = Files.readAllBytes(first);
      int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("lost with the power");
      java.util.Arrays.fill(bytes, at - 8, at + "lost with the power".length(), (byte) 0);
      Files.write(first, bytes);
      assertThat(replayPreallocated(copy, 0)).containsExactly("acknowledged");
      try (Stream<Path> files = Files.list(copy)) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".pending"));
      }
    }
  }

  private String onlySegmentBefore(Path pending) throws IOException {
    return names().stream().filter(n -> n.endsWith(".log") && n.compareTo(pending.getFileName().toString()) < 0)
        .reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void aSegmentWhoseHeaderNeverReachedTheDiskHoldsNothingAndIsRemoved() throws IOException {
    long end;
    try (FileStateLog log = FileStateLog.open(dir, 0, 1 << 20, b -> {})) {
      end = append(log, "kept");
      log.awaitDurable(end);
    }
    Files.write(dir.resolve(String.format("wal-%020d.log", end)), new byte[0]);
    assertThat(replay(dir, 0)).containsExactly("kept");
  }

  @Test
  void recordBufferAndReaderAgreeOnEveryKindOfValue() throws IOException {
    RecordBuffer b = new RecordBuffer();
    b.writeByte(7);
    b.writeVarint(0);
    b.writeVarint(Long.MAX_VALUE);
    b.writeVarint(-1);
    b.writeLong(0x0102030405060708L);
    b.writeString(null);
    b.writeString("");
    b.writeString("/päth-ü");
    b.writeString("x".repeat(5000));
    RecordReader r = new RecordReader(ByteBuffer.wrap(b.array(), 0, b.length()).slice());
    assertThat(r.readByte()).isEqualTo(7);
    assertThat(r.readVarint()).isZero();
    assertThat(r.readVarint()).isEqualTo(Long.MAX_VALUE);
    assertThat(r.readVarint()).isEqualTo(-1);
    assertThat(r.readLong()).isEqualTo(0x0102030405060708L);
    assertThat(r.readString()).isNull();
    assertThat(r.readString()).isEmpty();
    assertThat(r.readString()).isEqualTo("/päth-ü");
    assertThat(r.readString()).hasSize(5000);
    assertThat(r.hasMore()).isFalse();
    assertThatThrownBy(r::readByte).isInstanceOf(IOException.class);
  }
}
