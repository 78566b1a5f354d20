package io.rumsessions.processor.durability;

import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.rumsessions.processor.export.ExportSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The spans one request (or one sweep) gives to the exporter, written into the same state-log
 * record as its state changes: the log is the export queue, so a span is as durable as the
 * change that made it, with the same fsync. Each span is kept as a one-span OTLP
 * {@code ExportTraceServiceRequest} (protobuf), already redacted; requests concatenate into one,
 * so a batch is the items' bytes one after another.
 *
 * <p>Section layout: the arrival time (8 bytes), then per span its kind (1 byte), a varint
 * length and the bytes.
 */
public final class PendingExports implements ExportSink {
  static final int SESSION = 1;
  static final int FORWARDED = 2;

  private final RecordBuffer buffer = new RecordBuffer();
  private boolean on;
  private long nowMillis;

  /** Off until the export is configured; off while the log is replayed (those spans are queued already). */
  void enabled(boolean on) {
    this.on = on;
  }

  void begin(long nowMillis) {
    buffer.reset();
    this.nowMillis = nowMillis;
  }

  RecordBuffer buffer() {
    return buffer;
  }

  @Override
  public void offer(String kind, SpanData span) {
    if (!on) return;
    if (buffer.length() == 0) buffer.writeLong(nowMillis);
    buffer.writeByte(kind.equals("session") ? SESSION : FORWARDED);
    TraceRequestMarshaler m = TraceRequestMarshaler.create(List.of(span));
    buffer.writeVarint(m.getBinarySerializedSize());
    try {
      m.writeBinaryTo(buffer.asStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One exported span as read back from the log. */
  public record Item(int kind, long arrivalMillis, ByteBuffer request) {
    public String kindLabel() {
      return kind == SESSION ? "session" : "forwarded";
    }
  }

  /** Reads a record's export section (what follows its state section) into items. */
  /** The spans of an export section ({@link #buffer}'s bytes), in order. */
  public static void read(ByteBuffer section, java.util.function.Consumer<Item> out) throws IOException {
    if (!section.hasRemaining()) return;
    RecordReader in = new RecordReader(section);
    long arrival = in.readLong();
    while (in.hasMore()) {
      int kind = in.readByte();
      int length = (int) in.readVarint();
      out.accept(new Item(kind, arrival, in.slice(length)));
    }
  }
}
