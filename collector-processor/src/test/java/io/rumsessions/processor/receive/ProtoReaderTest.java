package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProtoReaderTest {
  /** Byte values that matter to UTF-8: ASCII, continuation bytes, lead bytes, bounds and never-valid bytes. */
  static final int[] INTERESTING = {'a', '/', 0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
      0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};

  @Test
  void utf8CheckAgreesWithProtobufJavaWhereverTheOddByteFalls() {
    // Mostly ASCII, as browser spans' strings are, with a few other bytes anywhere: before, in and
    // after the eight-byte runs the check takes at once, and at the ends of the range.
    SplittableRandom random = new SplittableRandom(7);
    int refused = 0;
    for (int n = 0; n < 200_000; n++) {
      byte[] b = new byte[4 + random.nextInt(76)];
      for (int i = 0; i < b.length; i++) b[i] = (byte) ('a' + random.nextInt(26));
      int odd = random.nextInt(4);
      for (int k = 0; k < odd; k++) b[random.nextInt(b.length)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
      int from = random.nextInt(3);
      int to = b.length - random.nextInt(3);
      boolean valid = ByteString.copyFrom(b, from, to - from).isValidUtf8();
      ProtoReader r = new ProtoReader(b);
      if (valid) {
        r.checkUtf8(from, to);
      } else {
        refused++;
        assertThatThrownBy(() -> r.checkUtf8(from, to)).isInstanceOf(ProtoReader.Malformed.class)
            .hasMessageContaining("invalid UTF-8");
      }
    }
    assertThat(refused).isBetween(50_000, 150_000);
  }

  @Test
  void utf8CheckStopsAtTheEndOfItsRange() {
    // Valid up to the range's end; an invalid byte just past it is not the string's.
    byte[] b = "abcdefghijklmnop\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    b[b.length - 1] = (byte) 0xff;
    new ProtoReader(b).checkUtf8(0, 16);
    new ProtoReader(b).checkUtf8(8, 16);
    assertThatThrownBy(() -> new ProtoReader(b).checkUtf8(0, b.length)).isInstanceOf(ProtoReader.Malformed.class);
    // A two-byte character cut by the range's end.
    byte[] cut = "abcdefg\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new ProtoReader(cut).checkUtf8(0, cut.length - 1)).isInstanceOf(ProtoReader.Malformed.class);
  }

  @Test
  void varintsOfEveryLengthReadBackAndStopAtTheLimit() throws Exception {
    long[] values = {0, 1, 127, 128, 300, 16_383, 16_384, Integer.MAX_VALUE, 0xffff_ffffL, Long.MAX_VALUE, -1, Long.MIN_VALUE};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    for (long v : values) out.writeUInt64NoTag(v);
    out.flush();
    byte[] b = bytes.toByteArray();
    ProtoReader r = new ProtoReader(b);
    for (long v : values) assertThat(r.varint(b.length)).isEqualTo(v);
    assertThat(r.pos).isEqualTo(b.length);

    // A one-byte varint at the limit is not read; neither is a longer one cut by it.
    ProtoReader atLimit = new ProtoReader(new byte[] {5, 5});
    atLimit.pos = 1;
    assertThatThrownBy(() -> atLimit.varint(1)).isInstanceOf(ProtoReader.Malformed.class).hasMessageContaining("truncated varint");
    ProtoReader cut = new ProtoReader(new byte[] {(byte) 0x96, 0x01});
    assertThatThrownBy(() -> cut.varint(1)).isInstanceOf(ProtoReader.Malformed.class).hasMessageContaining("truncated varint");
    ProtoReader tooLong = new ProtoReader(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1});
    assertThatThrownBy(() -> tooLong.varint(11)).isInstanceOf(ProtoReader.Malformed.class).hasMessageContaining("longer than 10 bytes");
  }
}
