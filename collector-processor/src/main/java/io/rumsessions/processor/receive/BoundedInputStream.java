package io.rumsessions.processor.receive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Stops reading past a limit, so a small gzip body cannot inflate into unbounded memory. */
final class BoundedInputStream extends FilterInputStream {
  /** Thrown when the limit is crossed; answered with 413. */
  static final class TooLargeException extends IOException {
    TooLargeException(long limit) {
      super("request body larger than " + limit + " bytes", null);
    }
  }

  private final long limit;
  private long count;

  BoundedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0 && ++count > limit) throw new TooLargeException(limit);
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0 && (count += n) > limit) throw new TooLargeException(limit);
    return n;
  }
}
