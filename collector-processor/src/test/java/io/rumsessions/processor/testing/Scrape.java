package io.rumsessions.processor.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads /metrics over HTTP and sums samples, as Prometheus would see them. */
public final class Scrape {
  private final String text;

  private Scrape(String text) {
    this.text = text;
  }

  public static Scrape of(int port) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Scrape(r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The sum of every sample of {@code name} whose labels contain all of {@code labels} (e.g. {@code outcome="late"}). */
  public double sum(String name, String... labels) {
    Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = p.matcher(text);
    double total = 0;
    outer:
    while (m.find()) {
      String l = m.group(1) == null ? "" : m.group(1);
      for (String want : labels) {
        if (!l.contains(want)) continue outer;
      }
      total += Double.parseDouble(m.group(2));
    }
    return total;
  }

  public String text() {
    return text;
  }
}
