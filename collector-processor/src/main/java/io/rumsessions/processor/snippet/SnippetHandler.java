package io.rumsessions.processor.snippet;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.rumsessions.processor.receive.http.PathHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Serves {@code GET /rum.js}, the cookie-free tracking snippet: a strong ETag from its
 * content (304 on a match), a day of caching, and gzip when the browser accepts it. The
 * script is loaded and compressed once; each answer wraps the same arrays, without copying.
 */
public final class SnippetHandler implements PathHandler {
  static final String RESOURCE = "/io/rumsessions/processor/snippet/rum.js";

  private static final byte[] EMPTY = new byte[0];

  private final byte[] plain;
  private final byte[] gzipped;
  private final String etag;

  public SnippetHandler() {
    try (InputStream in = SnippetHandler.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the jar");
      plain = in.readAllBytes();
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(plain);
      }
      gzipped = gz.toByteArray();
      etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain), 0, 16) + "\"";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public int gzippedSize() {
    return gzipped.length;
  }

  @Override
  public FullHttpResponse handle(HttpRequest request) {
    HttpMethod method = request.method();
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, EMPTY);
      r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      return r;
    }
    HttpHeaders in = request.headers();
    if (etag.equals(in.get(HttpHeaderNames.IF_NONE_MATCH))) return cacheable(response(HttpResponseStatus.NOT_MODIFIED, EMPTY));
    String accept = in.get(HttpHeaderNames.ACCEPT_ENCODING);
    boolean gzip = accept != null && accept.contains("gzip");
    byte[] body = gzip ? gzipped : plain;
    // HEAD: the headers of the GET, its Content-Length included, and no body.
    FullHttpResponse r = cacheable(response(HttpResponseStatus.OK, method.equals(HttpMethod.HEAD) ? EMPTY : body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/javascript; charset=utf-8");
    if (gzip) r.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  private FullHttpResponse cacheable(FullHttpResponse r) {
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=86400");
    h.set(HttpHeaderNames.ETAG, etag);
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    h.set(HttpHeaderNames.VARY, "Accept-Encoding");
    return r;
  }

  private static FullHttpResponse response(HttpResponseStatus status, byte[] body) {
    return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
  }
}
