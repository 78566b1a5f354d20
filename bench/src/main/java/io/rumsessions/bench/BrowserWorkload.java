package io.rumsessions.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Browser traffic as the OpenTelemetry JS web SDK sends it (modelled on
 * collector-processor/src/test/resources/fixtures/otel-web-chromium-visits.jsonl, captured from
 * Chromium): per page load one export with {@code documentFetch}, {@code resourceFetch} spans
 * and {@code documentLoad} (with its navigation-timing events), {@code fetch} CLIENT spans,
 * later {@code click} spans; resource attributes of the browser detector and the SDK
 * ({@code telemetry.sdk.*}, {@code browser.*}); {@code session.id} on every span,
 * {@code user_agent.original} on documentLoad, landing URLs with UTM parameters or click ids,
 * {@code page.referrer}. 15 to 25 attributes a span (span + resource).
 *
 * <p>Visitors: many bounces, some long sessions; a share of bots (HeadlessChrome, crawlers).
 * Most visitors consented ({@code consent.analytics=granted}: their {@code session.id} keys
 * the session); the others carry {@code client.address} and {@code user_agent.original} on the
 * resource (as a Collector in front sets them), so the processor derives its cookie-free id
 * from user agent + address.
 *
 * <p>Every visitor's identity (the first 8 hex digits of its session id, and a group of its
 * IPv6 address) is left as {@link #GENERATION_PLACEHOLDER}, which the sender overwrites with a
 * generation number on every replay of the pool, so each replay is new sessions.
 */
public final class BrowserWorkload {
  /** Where the sender writes the replay generation (8 hex digits). */
  public static final String GENERATION_PLACEHOLDER = "0000beef";

  /** One export as a browser sends it: a single ResourceSpans. */
  public record BrowserBatch(long sendAtNanos, ResourceSpans resourceSpans, int spans) {}

  public static final class Options {
    public int visits = 2000;
    public double botShare = 0.05;
    public double consentShare = 0.7;
    public long seed = 42;
    /** Only pageview and click spans (what changes session state): for the memory measurement. */
    public boolean sessionSpansOnly = false;
    /** Event times end this long before "now" at most, and begin at most 30 min before. */
    public long nowMillis = System.currentTimeMillis();
  }

  static final String[] BROWSER_UAS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:143.0) Gecko/20100101 Firefox/143.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
  };
  static final String[] PLATFORMS = {"Windows", "Windows", "macOS", "macOS", "Windows", "iOS", "Android", "Android", "iOS", "Linux"};
  static final boolean[] MOBILE = {false, false, false, false, false, true, true, true, false, false};

  static final String[] BOT_UAS = {
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/139.0.7258.5 Safari/537.36",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/141.0.7390.122 Safari/537.36",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
  };

  static final String[][] SITES = {
    {"shop-web", "shop.example.com", "3.14.2"},
    {"docs-web", "docs.example.org", "2025.11.3"},
    {"news-web", "www.example.net", "1.0.87"},
  };
  static final String[] PATHS = {
    "/", "/products/shoes", "/products/trail-running-shoes", "/products/socks", "/cart", "/checkout",
    "/checkout/thank-you", "/blog/how-to-choose-running-shoes", "/blog/marathon-training-plan", "/about",
    "/search", "/account/orders", "/help/returns", "/products/jackets/rain", "/sale",
  };
  static final String[] RESOURCES = {
    "/static/js/main.8f3a2c.js", "/static/css/app.41b7e0.css", "/static/js/vendor.ce12ab.js",
    "/fonts/inter-var.woff2", "/img/hero-1600.webp", "/img/logo.svg",
  };
  static final String[][] CAMPAIGNS = {
    {"utm_source=google&utm_medium=cpc&utm_campaign=spring_sale&utm_term=running%20shoes&utm_content=ad_b"},
    {"utm_source=newsletter&utm_medium=email&utm_campaign=weekly_2026_47"},
    {"utm_source=facebook&utm_medium=paid_social&utm_campaign=black_friday&utm_content=carousel"},
    {"gclid=Cj0KCQjw8p2MBhCiARIsADDUFVH4T3ml8yE0Hf2Q"},
    {"utm_source=partner_blog&utm_medium=referral&utm_campaign=affiliates"},
  };
  static final String[] REFERRERS = {
    "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://l.facebook.com/",
    "https://t.co/", "https://www.reddit.com/", "https://news.ycombinator.com/",
  };
  static final String[] NAV_EVENTS = {
    "fetchStart", "unloadEventStart", "unloadEventEnd", "domInteractive", "domContentLoadedEventStart",
    "domContentLoadedEventEnd", "domComplete", "loadEventStart", "loadEventEnd", "firstPaint", "firstContentfulPaint",
  };
  static final String[] FETCH_EVENTS = {
    "fetchStart", "domainLookupStart", "domainLookupEnd", "connectStart", "secureConnectionStart", "connectEnd",
    "requestStart", "responseStart", "responseEnd",
  };

  private BrowserWorkload() {}

  /** The visits' exports, in the order browsers would send them (interleaved by send time). */
  public static List<BrowserBatch> generate(Options o) {
    Random r = new Random(o.seed);
    List<BrowserBatch> out = new ArrayList<>();
    long nowNanos = o.nowMillis * 1_000_000L;
    long window = 30L * 60 * 1_000_000_000L;
    for (int v = 0; v < o.visits; v++) {
      visit(r, v, o, nowNanos - window, nowNanos - 5_000_000_000L, out);
    }
    out.sort(Comparator.comparingLong(BrowserBatch::sendAtNanos));
    return out;
  }

  private static int pageviews(Random r) {
    double x = r.nextDouble();
    if (x < 0.45) return 1;                 // bounce (unless it clicks)
    if (x < 0.70) return 2;
    if (x < 0.85) return 3 + r.nextInt(3);  // 3-5
    if (x < 0.95) return 6 + r.nextInt(10); // 6-15
    return 16 + r.nextInt(25);              // 16-40: long sessions
  }

  private static void visit(Random r, int v, Options o, long earliest, long latest, List<BrowserBatch> out) {
    boolean bot = r.nextDouble() < o.botShare;
    boolean consent = !bot && r.nextDouble() < o.consentShare;
    String[] site = SITES[r.nextInt(SITES.length)];
    int browser = r.nextInt(BROWSER_UAS.length);
    String ua = bot ? BOT_UAS[r.nextInt(BOT_UAS.length)] : BROWSER_UAS[browser];
    int pages = bot ? 1 + r.nextInt(5) : pageviews(r);
    long gap = pages > 15 ? 20_000_000_000L : 40_000_000_000L; // mean seconds between pages
    long[] pageTimes = new long[pages];
    long total = 0;
    for (int p = 1; p < pages; p++) {
      total += 3_000_000_000L + (long) (r.nextDouble() * gap);
      pageTimes[p] = total;
    }
    long start = earliest + (long) (r.nextDouble() * Math.max(1, latest - earliest - total - 30_000_000_000L));
    // 24 unique hex digits per visitor after the 8-digit generation placeholder.
    String suffix = String.format("%08x%016x", v, r.nextLong());
    String sessionId = GENERATION_PLACEHOLDER + suffix;
    String address = "2001:db8:" + GENERATION_PLACEHOLDER.substring(0, 4) + ":" + GENERATION_PLACEHOLDER.substring(4)
        + ":" + suffix.substring(0, 4) + ":" + suffix.substring(4, 8) + ":" + suffix.substring(8, 12) + ":" + suffix.substring(12, 16);
    Resource resource = resource(site, browser, bot, consent, address, ua, r);
    String host = "https://" + site[1];
    String query = null;
    String referrer = null;
    double q = r.nextDouble();
    if (q < 0.35) query = CAMPAIGNS[r.nextInt(CAMPAIGNS.length)][0];
    else if (q < 0.65) referrer = REFERRERS[r.nextInt(REFERRERS.length)];
    String previousUrl = null;
    for (int p = 0; p < pages; p++) {
      long t = start + pageTimes[p];
      String path = PATHS[(p == 0 ? r.nextInt(4) : r.nextInt(PATHS.length))];
      String url = host + path + (p == 0 && query != null ? "?" + query : "");
      List<Span> load = new ArrayList<>();
      List<Span> fetches = new ArrayList<>();
      byte[] trace = traceId(r);
      byte[] root = randomBytes(r, 8);
      if (!o.sessionSpansOnly) {
        load.add(documentFetch(r, trace, root, t, sessionId, url));
        int resources = 1 + r.nextInt(4);
        for (int i = 0; i < resources; i++) {
          load.add(resourceFetch(r, trace, root, t + 20_000_000L + i * 7_000_000L, sessionId, host + RESOURCES[r.nextInt(RESOURCES.length)]));
        }
      }
      String ref = p == 0 ? referrer : previousUrl;
      load.add(documentLoad(r, trace, root, t, sessionId, url, ua, ref));
      if (!o.sessionSpansOnly && !bot) {
        int calls = r.nextInt(3);
        for (int i = 0; i < calls; i++) {
          fetches.add(fetch(r, t + 400_000_000L + i * 150_000_000L, sessionId, host, ua));
        }
      }
      ResourceSpans.Builder first = ResourceSpans.newBuilder().setResource(resource)
          .addScopeSpans(scope("@opentelemetry/instrumentation-document-load", "0.68.0", load));
      if (!fetches.isEmpty()) first.addScopeSpans(scope("@opentelemetry/instrumentation-fetch", "0.205.0", fetches));
      out.add(new BrowserBatch(t + 5_000_000_000L, first.build(), load.size() + fetches.size()));
      int clicks = bot ? 0 : (r.nextDouble() < 0.35 ? 1 + r.nextInt(3) : 0);
      if (clicks > 0) {
        List<Span> cs = new ArrayList<>();
        for (int i = 0; i < clicks; i++) {
          cs.add(click(r, t + 2_000_000_000L + i * 900_000_000L, sessionId, url));
        }
        ResourceSpans later = ResourceSpans.newBuilder().setResource(resource)
            .addScopeSpans(scope("@opentelemetry/instrumentation-user-interaction", "0.50.0", cs)).build();
        out.add(new BrowserBatch(t + 2_000_000_000L + clicks * 900_000_000L + 5_000_000_000L, later, clicks));
      }
      previousUrl = url;
    }
  }

  private static Resource resource(String[] site, int browser, boolean bot, boolean consent, String address, String ua, Random r) {
    Resource.Builder b = Resource.newBuilder()
        .addAttributes(kv("service.name", site[0]))
        .addAttributes(kv("service.version", site[2]))
        .addAttributes(kv("deployment.environment.name", "production"))
        .addAttributes(kv("telemetry.sdk.language", "webjs"))
        .addAttributes(kv("telemetry.sdk.name", "opentelemetry"))
        .addAttributes(kv("telemetry.sdk.version", "2.2.0"))
        .addAttributes(kv("process.runtime.name", "browser"))
        .addAttributes(kv("browser.platform", bot ? "Linux" : PLATFORMS[browser]))
        .addAttributes(KeyValue.newBuilder().setKey("browser.mobile").setValue(AnyValue.newBuilder().setBoolValue(!bot && MOBILE[browser])))
        .addAttributes(kv("browser.language", r.nextInt(3) == 0 ? "de-DE" : "en-US"))
        .addAttributes(KeyValue.newBuilder().setKey("browser.brands").setValue(AnyValue.newBuilder().setArrayValue(
            ArrayValue.newBuilder().addValues(str("Chromium 141")).addValues(str("Not:A-Brand 8")).addValues(str("Google Chrome 141")))));
    if (consent) {
      b.addAttributes(kv("consent.analytics", "granted"));
    } else {
      // What the Collector in front sets from the browser's request (processor README, "Input
      // mapping": behind a Collector, set user_agent.original and client.address upstream). The
      // SDK puts the user agent on documentLoad only; without it on the resource, a later click
      // export would derive another cookie-free id, i.e. a second, device-less session.
      b.addAttributes(kv("client.address", address));
      b.addAttributes(kv("user_agent.original", ua));
    }
    return b.build();
  }

  private static ScopeSpans scope(String name, String version, List<Span> spans) {
    return ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName(name).setVersion(version))
        .addAllSpans(spans).build();
  }

  /**
   * A trace id whose first four bytes are the generation placeholder (0x0000beef), rewritten per
   * replay like the session ids: a span sent again with the same ids is counted once by the
   * processor, as a client's retry must be, so every pass needs ids of its own.
   */
  static byte[] traceId(Random r) {
    byte[] t = randomBytes(r, 16);
    int g = Integer.parseUnsignedInt(GENERATION_PLACEHOLDER, 16);
    for (int i = 0; i < 4; i++) t[i] = (byte) (g >>> (24 - 8 * i));
    return t;
  }

  private static Span.Builder span(Random r, byte[] trace, byte[] parent, String name, Span.SpanKind kind, long start, long durationNanos) {
    Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(randomBytes(r, 8)))
        .setName(name).setKind(kind).setStartTimeUnixNano(start).setEndTimeUnixNano(start + durationNanos)
        .setStatus(Status.newBuilder()).setFlags(257);
    if (parent != null) b.setParentSpanId(ByteString.copyFrom(parent));
    return b;
  }

  private static Span documentFetch(Random r, byte[] trace, byte[] root, long t, String sessionId, String url) {
    Span.Builder b = span(r, trace, root, "documentFetch", Span.SpanKind.SPAN_KIND_INTERNAL, t, 15_000_000L)
        .addAttributes(kv("session.id", sessionId))
        .addAttributes(kv("url.full", url))
        .addAttributes(kv("http.url", url))
        .addAttributes(intKv("http.response_content_length", 2000 + r.nextInt(30000)))
        .addAttributes(intKv("http.response_content_length_uncompressed", 9000 + r.nextInt(90000)))
        .addAttributes(kv("http.scheme", "https"))
        .addAttributes(kv("network.protocol.version", "2"));
    events(b, FETCH_EVENTS, t, 1_600_000L);
    return b.build();
  }

  private static Span resourceFetch(Random r, byte[] trace, byte[] root, long t, String sessionId, String url) {
    Span.Builder b = span(r, trace, root, "resourceFetch", Span.SpanKind.SPAN_KIND_INTERNAL, t, 9_000_000L)
        .addAttributes(kv("session.id", sessionId))
        .addAttributes(kv("url.full", url))
        .addAttributes(kv("http.url", url))
        .addAttributes(intKv("http.response_content_length", 500 + r.nextInt(120000)))
        .addAttributes(intKv("http.response_content_length_uncompressed", 1500 + r.nextInt(400000)))
        .addAttributes(kv("network.protocol.version", "2"));
    events(b, FETCH_EVENTS, t, 900_000L);
    return b.build();
  }

  private static Span documentLoad(Random r, byte[] trace, byte[] root, long t, String sessionId, String url, String ua, String referrer) {
    Span.Builder b = span(r, trace, null, "documentLoad", Span.SpanKind.SPAN_KIND_INTERNAL, t, 300_000_000L + r.nextInt(900) * 1_000_000L)
        .setSpanId(ByteString.copyFrom(root))
        .addAttributes(kv("session.id", sessionId))
        .addAttributes(kv("url.full", url))
        .addAttributes(kv("http.url", url))
        .addAttributes(kv("user_agent.original", ua))
        .addAttributes(kv("http.user_agent", ua))
        .addAttributes(kv("page.title", "Example — " + url.substring(url.indexOf('/', 8))))
        .addAttributes(intKv("browser.viewport.width", 360 + r.nextInt(1600)));
    if (referrer != null) b.addAttributes(kv("page.referrer", referrer));
    events(b, NAV_EVENTS, t, 25_000_000L);
    return b.build();
  }

  private static Span fetch(Random r, long t, String sessionId, String host, String ua) {
    String url = host + "/api/" + (r.nextBoolean() ? "cart" : "recommendations?limit=" + (4 + r.nextInt(8)));
    boolean post = url.endsWith("cart");
    Span.Builder b = span(r, traceId(r), null, "HTTP " + (post ? "POST" : "GET"), Span.SpanKind.SPAN_KIND_CLIENT, t, 40_000_000L + r.nextInt(200) * 1_000_000L)
        .addAttributes(kv("session.id", sessionId))
        .addAttributes(kv("component", "fetch"))
        .addAttributes(kv("http.method", post ? "POST" : "GET"))
        .addAttributes(kv("http.url", url))
        .addAttributes(kv("url.full", url))
        .addAttributes(intKv("http.status_code", 200))
        .addAttributes(kv("http.status_text", "OK"))
        .addAttributes(kv("http.host", host.substring(8)))
        .addAttributes(kv("http.scheme", "https"))
        .addAttributes(kv("http.user_agent", ua))
        .addAttributes(intKv("http.response_content_length", 120 + r.nextInt(4000)));
    events(b, FETCH_EVENTS, t, 2_000_000L);
    return b.build();
  }

  private static Span click(Random r, long t, String sessionId, String url) {
    String[] targets = {"BUTTON", "A", "DIV"};
    String target = targets[r.nextInt(targets.length)];
    return span(r, traceId(r), null, "click", Span.SpanKind.SPAN_KIND_INTERNAL, t, 1_000_000L + r.nextInt(40) * 1_000_000L)
        .addAttributes(kv("event_type", "click"))
        .addAttributes(kv("target_element", target))
        .addAttributes(kv("target_xpath", "//html/body/div/main/section[" + (1 + r.nextInt(4)) + "]/" + target.toLowerCase() + "[" + (1 + r.nextInt(6)) + "]"))
        .addAttributes(kv("url.full", url))
        .addAttributes(kv("http.url", url))
        .addAttributes(kv("session.id", sessionId))
        .build();
  }

  private static void events(Span.Builder b, String[] names, long t, long step) {
    for (int i = 0; i < names.length; i++) {
      b.addEvents(Span.Event.newBuilder().setName(names[i]).setTimeUnixNano(t + i * step));
    }
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static AnyValue str(String v) {
    return AnyValue.newBuilder().setStringValue(v).build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(str(value)).build();
  }

  private static KeyValue intKv(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  /** Merges browser exports into one request (as a Collector forwards many browsers' batches). */
  public static ExportTraceServiceRequest merge(List<BrowserBatch> batches) {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    for (BrowserBatch x : batches) b.addResourceSpans(x.resourceSpans());
    return b.build();
  }
}
