package io.rumsessions.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.rumsessions.processor.testing.Fuzzing;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;

/**
 * The wire-format primitives every in-place read rests on, against protobuf-java on any bytes:
 * skipping fields (varints, fixed widths, lengths, nested groups) succeeds exactly when
 * protobuf-java parses the bytes as a message of unknown fields, and the UTF-8 check agrees with
 * protobuf-java's. Refusals are {@link ProtoReader.Malformed}; any other throwable is a bug.
 */
class ProtoReaderFuzzTest {
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void skipsAndChecksUtf8AsProtobufJavaDoes(byte[] bytes) {
    runs++;
    String hex = HexFormat.of().formatHex(bytes);

    String javaRefusal = null;
    try {
      UnknownFieldSet.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      javaRefusal = e.getMessage();
    }
    String refusal = null;
    ProtoReader r = new ProtoReader(bytes);
    try {
      while (r.pos < bytes.length) {
        int tag = r.tag(bytes.length);
        r.skip(tag, bytes.length, 0);
      }
      assertThat(r.pos).isEqualTo(bytes.length);
    } catch (ProtoReader.Malformed e) {
      refusal = e.getMessage();
    }
    // protobuf-java's fast varint path takes some over-long varints (see OtlpWireSpansTest): refusing them is the wire format's rule.
    boolean lenientVarint = javaRefusal == null && refusal != null && refusal.contains("varint");
    if (!lenientVarint) {
      assertThat(refusal == null)
          .as("skipping %s: protobuf-java %s, ProtoReader %s", hex, javaRefusal == null ? "accepts" : "refuses (" + javaRefusal + ")",
              refusal == null ? "accepts" : "refuses (" + refusal + ")")
          .isEqualTo(javaRefusal == null);
    }

    boolean valid;
    try {
      new ProtoReader(bytes).checkUtf8(0, bytes.length);
      valid = true;
    } catch (ProtoReader.Malformed e) {
      valid = false;
    }
    assertThat(valid).as("UTF-8 check of %s", hex).isEqualTo(ByteString.copyFrom(bytes).isValidUtf8());
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("protobuf reader", runs);
  }
}
