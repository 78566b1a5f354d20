package io.rumsessions.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an HTTP server costs per request, alone: the captured OpenTelemetry JS web posts (the
 * replay workload, fresh ids per send) against a server that reads the whole body into an array,
 * adds the CORS header and answers {@code 200 {}} on a kept-alive connection — the receiver's work
 * around decoding and ingest. Servers: the JDK's {@code com.sun.net.httpserver} set up as
 * OtlpHttpReceiver set it up before #22 (TCP_NODELAY, a pool of 4 threads), and Netty's HTTP/1.1
 * codec (the one grpc-netty depends on, which the receiver runs on now) on one NIO event loop. Each in a JVM of its own under {@code taskset -c SERVER_CPUS}; CPU from
 * /proc/PID/stat over the window.
 *
 * <pre>java -cp bench/target/rum-bench-all.jar io.rumsessions.bench.HttpServerCost [--root DIR] [--server-cpus 0] [--warmup 20] [--duration 10] [--reps 3]</pre>
 */
public final class HttpServerCost {
  private static final byte[] OK = "{}".getBytes(StandardCharsets.UTF_8);

  private HttpServerCost() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("serve")) {
      serve(args[1]);
      return;
    }
    Path root = BenchOptions.defaultRoot();
    String cpus = "0";
    double warmup = 20;
    double duration = 10;
    int reps = 3;
    int concurrency = 4;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--root" -> root = Path.of(args[i + 1]);
        case "--server-cpus" -> cpus = args[i + 1];
        case "--warmup" -> warmup = Double.parseDouble(args[i + 1]);
        case "--duration" -> duration = Double.parseDouble(args[i + 1]);
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Payloads.Payload> pool = ReplayWorkload.load(root, System.currentTimeMillis());
    String[] kinds = {"jdk", "netty"};
    List<Process> servers = new ArrayList<>();
    int[] ports = new int[kinds.length];
    AtomicLong[] cursors = new AtomicLong[kinds.length];
    try {
      for (int k = 0; k < kinds.length; k++) {
        Process p = start(kinds[k], cpus);
        servers.add(p);
        ports[k] = Integer.parseInt(new String(p.getInputStream().readNBytes(5), StandardCharsets.US_ASCII).trim());
        cursors[k] = new AtomicLong();
      }
      for (int k = 0; k < kinds.length; k++) {
        try (Sender s = Sender.create(Protocol.REPLAY, "127.0.0.1", ports[k], concurrency)) {
          new LoadRunner(s, pool, cursors[k], 0).closedLoop(concurrency, warmup, null, null);
        }
      }
      System.out.println("| rep | server | requests | CPU s | µs CPU per request | requests per CPU-second | cores used |");
      System.out.println("|---:|---|---:|---:|---:|---:|---:|");
      for (int rep = 1; rep <= reps; rep++) {
        for (int k = 0; k < kinds.length; k++) {
          long pid = servers.get(k).pid();
          double[] cpu = new double[2];
          LoadRunner.Phase ph;
          try (Sender s = Sender.create(Protocol.REPLAY, "127.0.0.1", ports[k], concurrency)) {
            ph = new LoadRunner(s, pool, cursors[k], 0).closedLoop(concurrency, duration,
                () -> cpu[0] = cpu(pid), () -> cpu[1] = cpu(pid));
          }
          double seconds = cpu[1] - cpu[0];
          long requests = ph.okRequests();
          System.out.printf(Locale.ROOT, "| %d | %s | %,d | %.2f | %.1f | %,.0f | %.2f |%n", rep, kinds[k], requests, seconds,
              seconds * 1e6 / requests, requests / seconds, seconds / (ph.wallNanos() / 1e9));
          if (ph.failedRequests() > 0) System.out.println("  failed: " + ph.errors());
        }
      }
    } finally {
      for (Process p : servers) p.destroyForcibly();
    }
  }

  private static double cpu(long pid) {
    try {
      return ServerProcess.cpuSecondsOf(pid);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Process start(String kind, String cpus) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (!cpus.isEmpty()) cmd.addAll(List.of("taskset", "-c", cpus));
    cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), HttpServerCost.class.getName(), "serve", kind));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Runs one server on an ephemeral port; prints the port (5 characters) when listening. */
  private static void serve(String kind) throws Exception {
    int port = kind.equals("jdk") ? jdk() : netty();
    System.out.printf("%5d", port);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  private static int jdk() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    server.setExecutor(pool);
    server.createContext("/v1/traces", (HttpExchange ex) -> {
      try (ex) {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
          body = in.readAllBytes();
        }
        if (body.length == 0) throw new IOException("no body");
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin != null) ex.getResponseHeaders().set("Access-Control-Allow-Origin", origin);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, OK.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(OK);
        }
      }
    });
    server.start();
    return server.getAddress().getPort();
  }

  private static int netty() throws InterruptedException {
    NioEventLoopGroup group = new NioEventLoopGroup(1);
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new HttpObjectAggregator(4 << 20),
                new SimpleChannelInboundHandler<FullHttpRequest>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                    byte[] body = ByteBufUtil.getBytes(req.content());
                    if (body.length == 0) throw new IllegalStateException("no body");
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(OK));
                    String origin = req.headers().get(HttpHeaderNames.ORIGIN);
                    if (origin != null) res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    HttpUtil.setContentLength(res, OK.length);
                    HttpUtil.setKeepAlive(res, HttpUtil.isKeepAlive(req));
                    ctx.writeAndFlush(res);
                  }
                });
          }
        });
    return ((InetSocketAddress) b.bind("127.0.0.1", 0).sync().channel().localAddress()).getPort();
  }
}
