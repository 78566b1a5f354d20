package io.rumsessions.processor.snippet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Serves {@code GET /rum.js}, the cookie-free tracking snippet: a strong ETag from its
 * content (304 on a match), a day of caching, and gzip when the browser accepts it. The
 * script is loaded and compressed once.
 */
public final class SnippetHandler implements HttpHandler {
  static final String RESOURCE = "/io/rumsessions/processor/snippet/rum.js";

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
  public void handle(HttpExchange ex) throws IOException {
    try (ex) {
      var r = ex.getResponseHeaders();
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        r.set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      r.set("Cache-Control", "public, max-age=86400");
      r.set("ETag", etag);
      r.set("Access-Control-Allow-Origin", "*");
      r.set("Vary", "Accept-Encoding");
      if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
        ex.sendResponseHeaders(304, -1);
        return;
      }
      String accept = ex.getRequestHeaders().getFirst("Accept-Encoding");
      boolean gzip = accept != null && accept.contains("gzip");
      byte[] body = gzip ? gzipped : plain;
      r.set("Content-Type", "application/javascript; charset=utf-8");
      if (gzip) r.set("Content-Encoding", "gzip");
      if (method.equals("HEAD")) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
