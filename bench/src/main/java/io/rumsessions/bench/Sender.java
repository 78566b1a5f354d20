package io.rumsessions.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sends pre-encoded OTLP export requests asynchronously and reports each answer. */
public interface Sender extends AutoCloseable {
  /** What came back for one request. {@code rejected} is the partial-success count. */
  interface Callback {
    void done(boolean ok, long rejected, String error);
  }

  void send(byte[] body, Callback callback);

  @Override
  void close();

  static Sender create(Protocol protocol, String host, int port, int maxInFlight) {
    return switch (protocol) {
      case GRPC -> new Grpc(host, port);
      case HTTP_JSON -> new HttpJson(host, port, maxInFlight, false);
      case REPLAY -> new HttpJson(host, port, maxInFlight, true);
    };
  }

  /** OTLP/gRPC TraceService/Export with the request bytes as they are (no re-encoding per call). */
  final class Grpc implements Sender {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    private static final MethodDescriptor<byte[], byte[]> EXPORT = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("opentelemetry.proto.collector.trace.v1.TraceService/Export")
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private final ManagedChannel channel;

    Grpc(String host, int port) {
      this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
          .maxInboundMessageSize(16 << 20).build();
    }

    @Override
    public void send(byte[] body, Callback callback) {
      ClientCalls.asyncUnaryCall(channel.newCall(EXPORT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), body,
          new StreamObserver<>() {
            long rejected;

            @Override
            public void onNext(byte[] value) {
              try {
                rejected = ExportTraceServiceResponse.parseFrom(value).getPartialSuccess().getRejectedSpans();
              } catch (IOException e) {
                rejected = -1;
              }
            }

            @Override
            public void onError(Throwable t) {
              callback.done(false, 0, String.valueOf(t.getMessage()));
            }

            @Override
            public void onCompleted() {
              if (rejected < 0) callback.done(false, 0, "unreadable ExportTraceServiceResponse");
              else callback.done(true, rejected, null);
            }
          });
    }

    @Override
    public void close() {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * OTLP/HTTP POST /v1/traces with a JSON body, over {@code connections} keep-alive HTTP/1.1
   * connections, one thread each, written by hand so that the generator's own CPU stays small
   * (java.net.http needed a whole core to drive ~2.4k requests/s). Requests wait in a queue when
   * every connection is busy; the open loop measures latency from the intended send time, so
   * that wait counts. In raw mode each body is a whole HTTP request, head included, written as it is
   * (the captured SDK requests of {@link ReplayWorkload}).
   */
  final class HttpJson implements Sender {
    private static final Pattern REJECTED = Pattern.compile("\"rejectedSpans\"\\s*:\\s*\"?(\\d+)");
    private record Task(byte[] body, Callback callback) {}

    private final java.util.concurrent.BlockingQueue<Task> queue = new java.util.concurrent.LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String host;
    private final int port;
    private final byte[] headPrefix;
    private final boolean raw;
    private volatile boolean closed;

    HttpJson(String host, int port, int connections, boolean raw) {
      this.host = host;
      this.port = port;
      this.raw = raw;
      this.headPrefix = ("POST /v1/traces HTTP/1.1\r\nHost: " + host + ":" + port
          + "\r\nContent-Type: application/json\r\nUser-Agent: rum-bench\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < Math.max(1, connections); i++) {
        Thread t = new Thread(this::work, "bench-http-" + i);
        t.setDaemon(true);
        t.start();
        workers.add(t);
      }
    }

    @Override
    public void send(byte[] body, Callback callback) {
      queue.add(new Task(body, callback));
    }

    private void work() {
      java.net.Socket socket = null;
      java.io.BufferedInputStream in = null;
      java.io.OutputStream out = null;
      byte[] buffer = new byte[64 << 10];
      while (!closed) {
        Task t;
        try {
          t = queue.take();
        } catch (InterruptedException e) {
          break;
        }
        try {
          if (socket == null) {
            socket = new java.net.Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new java.net.InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(30_000);
            sockets.add(socket);
            in = new java.io.BufferedInputStream(socket.getInputStream(), 16 << 10);
            out = socket.getOutputStream();
          }
          if (raw) {
            out.write(t.body());
          } else {
            byte[] len = (t.body().length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            int n = headPrefix.length + len.length + t.body().length;
            byte[] req = n <= buffer.length ? buffer : new byte[n];
            System.arraycopy(headPrefix, 0, req, 0, headPrefix.length);
            System.arraycopy(len, 0, req, headPrefix.length, len.length);
            System.arraycopy(t.body(), 0, req, headPrefix.length + len.length, t.body().length);
            out.write(req, 0, n);
          }
          out.flush();
          Response r = readResponse(in);
          if (r.close) {
            socket.close();
            sockets.remove(socket);
            socket = null;
          }
          if (r.status != 200) {
            t.callback().done(false, 0, "HTTP " + r.status + " " + (r.body.length() > 200 ? r.body.substring(0, 200) : r.body));
          } else {
            Matcher m = REJECTED.matcher(r.body);
            t.callback().done(true, m.find() ? Long.parseLong(m.group(1)) : 0, null);
          }
        } catch (IOException | RuntimeException e) {
          if (socket != null) {
            try {
              socket.close();
            } catch (IOException ignored) {
              // reconnect on the next request
            }
            sockets.remove(socket);
            socket = null;
          }
          t.callback().done(false, 0, e.toString());
        }
      }
    }

    private record Response(int status, String body, boolean close) {}

    private static Response readResponse(java.io.BufferedInputStream in) throws IOException {
      String status = line(in);
      if (status == null || !status.startsWith("HTTP/1.")) throw new IOException("bad status line: " + status);
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        if (colon < 0) continue;
        String name = h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
        String value = h.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
          case "connection" -> close = value.equalsIgnoreCase("close");
          default -> { }
        }
      }
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      if (chunked) {
        for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0; size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
          body.write(in.readNBytes((int) size));
          line(in);
        }
        for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) { }
      } else if (length >= 0) {
        body.write(in.readNBytes((int) length));
      } else {
        body.write(in.readAllBytes());
        close = true;
      }
      return new Response(code, body.toString(StandardCharsets.UTF_8), close);
    }

    private static String line(java.io.BufferedInputStream in) throws IOException {
      StringBuilder b = new StringBuilder(64);
      for (int c = in.read(); c >= 0; c = in.read()) {
        if (c == '\n') {
          int l = b.length();
          if (l > 0 && b.charAt(l - 1) == '\r') b.setLength(l - 1);
          return b.toString();
        }
        b.append((char) c);
      }
      return b.length() == 0 ? null : b.toString();
    }

    @Override
    public void close() {
      closed = true;
      for (Thread t : workers) t.interrupt();
      for (java.net.Socket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }
}
