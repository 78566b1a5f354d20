package io.rumsessions.processor.receive.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An HTTP/1.1 server on Netty: one NIO event loop per core parses its connections and reads
 * request bodies without blocking ({@link HttpConnection}). A complete request the handler can
 * take at once ({@link HttpRequestHandler#completeNow}: small, a decoding permit free) is handled
 * on its loop; the others go to a pool of worker threads, which may wait for a permit. Answers
 * are written once the state log's fsync is made, from its thread, so no thread waits for the
 * disk. NIO, not epoll: no native library to ship.
 */
public final class EventLoopHttpServer implements AutoCloseable {
  /**
   * How long a connection may sit with no request under way (a new one, or kept alive between
   * requests). A minute: a client posting every few seconds keeps its connection, one that went
   * away does not hold a socket for long, and a client that posts again later reconnects.
   */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final InetSocketAddress address;
  private final EventLoopGroup loop;
  private final ThreadPoolExecutor workers;
  private final ServerBootstrap bootstrap;
  private Channel channel;
  /** Requests given to a worker and not yet answered (a shutdown lets their answers go out). */
  private final AtomicInteger answersDue = new AtomicInteger();

  /**
   * @param threads worker threads: requests decoded and applied at once
   * @param readTimeout longest from a request's first byte to the end of its body
   * @param idleTimeout longest a connection may sit with no request under way ({@link #IDLE_TIMEOUT})
   */
  public EventLoopHttpServer(InetSocketAddress address, int threads, Duration readTimeout, Duration idleTimeout, HttpRequestHandler handler) {
    this.address = address;
    // One event loop per core: small requests are decoded and applied on the loop that read them.
    int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
    this.loop = new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("otlp-http-io", true),
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "otlp-http");
      t.setDaemon(true);
      return t;
    });
    workers.allowCoreThreadTimeOut(true);
    long readNanos = readTimeout.toNanos();
    long idleNanos = idleTimeout.toNanos();
    // Headers up to 64 KiB (cookies of a same-site page can be long); content in slices of up to
    // 64 KiB, each copied once into the body's array.
    HttpDecoderConfig decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(8192).setMaxHeaderSize(64 * 1024).setMaxChunkSize(64 * 1024);
    HttpRequestHandler counted = countingAnswers(handler);
    this.bootstrap = new ServerBootstrap()
        .group(loop)
        .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        // Each answer is one write of head and body, but a client's delayed ACK must never hold it.
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            HttpConnection connection = new HttpConnection(counted, workers, readNanos, idleNanos);
            ch.pipeline().addLast(connection.firstBytes(), new HttpServerCodec(decoder), connection);
          }
        });
  }

  /** The handler, with the answers it owes counted until given. */
  private HttpRequestHandler countingAnswers(HttpRequestHandler handler) {
    return new HttpRequestHandler() {
      @Override
      public Start begin(HttpRequest head) {
        return handler.begin(head);
      }

      @Override
      public void complete(HttpRequest head, HttpBody body, InetSocketAddress peer, Consumer<FullHttpResponse> reply) {
        OwedAnswer owed = new OwedAnswer(reply);
        try {
          handler.complete(head, body, peer, owed);
        } catch (RuntimeException | Error e) {
          owed.settle();
          throw e;
        }
      }

      @Override
      public boolean completeNow(HttpRequest head, HttpBody body, InetSocketAddress peer, Consumer<FullHttpResponse> reply,
          Executor loop) {
        OwedAnswer owed = new OwedAnswer(reply);
        boolean done;
        try {
          done = handler.completeNow(head, body, peer, owed, loop);
        } catch (RuntimeException | Error e) {
          owed.settle();
          throw e;
        }
        if (!done) owed.settle();
        return done;
      }

      @Override
      public FullHttpResponse tooLarge(HttpRequest head) {
        return handler.tooLarge(head);
      }

      @Override
      public FullHttpResponse closing(HttpRequest head) {
        return handler.closing(head);
      }

      @Override
      public void count(String outcome) {
        handler.count(outcome);
      }
    };
  }

  /** An answer a request is owed: counted in {@link #answersDue} until given, or until the request ends without one. */
  private final class OwedAnswer implements Consumer<FullHttpResponse> {
    private final Consumer<FullHttpResponse> reply;
    private final AtomicBoolean due = new AtomicBoolean(true);

    OwedAnswer(Consumer<FullHttpResponse> reply) {
      this.reply = reply;
      answersDue.incrementAndGet();
    }

    @Override
    public void accept(FullHttpResponse response) {
      try {
        reply.accept(response);
      } finally {
        settle();
      }
    }

    void settle() {
      if (due.getAndSet(false)) answersDue.decrementAndGet();
    }
  }

  public void start() {
    channel = bootstrap.bind(address).syncUninterruptibly().channel();
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /**
   * Stops accepting, lets the requests at the workers finish and their answers go out (up to 5 s),
   * then closes every connection. A request still being read gets 503 when it completes meanwhile.
   */
  @Override
  public void close() {
    if (channel != null) channel.close().syncUninterruptibly();
    workers.shutdown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
      // Answers given after the fsync of what the workers applied.
      while (answersDue.get() > 0 && System.nanoTime() - deadline < 0) Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
