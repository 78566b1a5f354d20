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
      return files.filter(p -> p.getFileName().toString().startsWith("wal-")).sorted().reduce((a, b) -> b).orElseThrow();
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
