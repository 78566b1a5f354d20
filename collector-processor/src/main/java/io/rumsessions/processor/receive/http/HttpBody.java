package io.rumsessions.processor.receive.http;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * A request body being read on the event loop, copied once from Netty's buffers into an array:
 * of the declared length when there is a {@code Content-Length}, else grown up to the limit
 * (chunked). Holds its share of the {@link BodyBudget} until {@link #release()}.
 */
public final class HttpBody {
  private static final int FIRST_CHUNKED_SIZE = 16 * 1024;

  private final BodyBudget budget;
  private final long reserved;
  private final int limit;
  private byte[] bytes;
  private int length;
  private boolean released;
  /** Runs once, when the body's changes are applied or the body is let go of, whichever is first. */
  private final Runnable arrived;
  private boolean hasArrived;

  /**
   * @param declared the Content-Length, or -1 (chunked: {@code limit} bytes of the budget are
   *     reserved, the most the body may grow to)
   */
  private HttpBody(BodyBudget budget, long reserved, int limit, long declared, Runnable arrived) {
    this.budget = budget;
    this.arrived = arrived;
    this.reserved = reserved;
    this.limit = limit;
    this.bytes = new byte[declared >= 0 ? (int) declared : Math.min(limit, FIRST_CHUNKED_SIZE)];
  }

  /**
   * A body of {@code declared} bytes (-1: unknown, at most {@code limit}), or null if the budget
   * is spent; {@code arrived} runs once, at {@link #applied()} or {@link #release()}.
   */
  public static HttpBody reserve(BodyBudget budget, long declared, int limit, Runnable arrived) {
    long need = declared >= 0 ? declared : limit;
    return budget.take(need) ? new HttpBody(budget, need, limit, declared, arrived) : null;
  }

  /** Its changes are applied and logged (or it was refused): it is no longer on its way to the log. */
  public synchronized void applied() {
    if (hasArrived) return;
    hasArrived = true;
    arrived.run();
  }

  /** Appends {@code content}; false (and nothing appended) if the body would pass its limit. */
  boolean append(ByteBuf content) {
    int n = content.readableBytes();
    if (n == 0) return true;
    if ((long) length + n > limit) return false;
    if (length + n > bytes.length) bytes = Arrays.copyOf(bytes, (int) Math.min(limit, Math.max((long) length + n, 2L * bytes.length)));
    content.getBytes(content.readerIndex(), bytes, length, n);
    length += n;
    return true;
  }

  /** The array; only its first {@link #length()} bytes are the body. */
  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return length;
  }

  /** Gives the budget back; once, whoever calls it first (the worker, or the connection on abandoning the request). */
  public synchronized void release() {
    applied();
    if (released) return;
    released = true;
    budget.give(reserved);
  }
}
