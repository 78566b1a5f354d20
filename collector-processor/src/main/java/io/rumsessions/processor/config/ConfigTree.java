package io.rumsessions.processor.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Typed reads from a YAML tree with defaults, recording every key read so that a misspelt key
 * is an error instead of a silently ignored setting.
 */
final class ConfigTree {
  private final ObjectNode root;
  private final Set<String> read = new TreeSet<>();

  ConfigTree(ObjectNode root) {
    this.root = root;
  }

  String string(String path, String def) {
    JsonNode n = node(path);
    if (n == null || n.isNull()) return def;
    if (!n.isValueNode()) throw bad(path, "a single value");
    return n.asText();
  }

  int integer(String path, int def, int min, int max) {
    String s = string(path, null);
    if (s == null) return def;
    try {
      int v = Integer.parseInt(s.trim());
      if (v < min || v > max) throw bad(path, "a whole number from " + min + " to " + max);
      return v;
    } catch (NumberFormatException e) {
      throw bad(path, "a whole number from " + min + " to " + max);
    }
  }

  boolean bool(String path, boolean def) {
    String s = string(path, null);
    if (s == null) return def;
    return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw bad(path, "true or false");
    };
  }

  Duration duration(String path, Duration def) {
    return parsed(path, def, Durations::parse, "a duration such as 30m, 2s or 500ms");
  }

  long bytes(String path, long def) {
    return parsed(path, def, ByteSizes::parse, "a byte size such as 4MiB");
  }

  <T> T parsed(String path, T def, Function<String, T> parser, String expected) {
    String s = string(path, null);
    if (s == null) return def;
    try {
      return parser.apply(s);
    } catch (RuntimeException e) {
      throw bad(path, expected + ", got '" + s + "'");
    }
  }

  List<String> list(String path, List<String> def) {
    JsonNode n = node(path);
    if (n == null || n.isNull()) return def;
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      for (JsonNode e : n) {
        if (!e.isValueNode()) throw bad(path, "a list of strings");
        out.add(e.asText());
      }
    } else if (n.isValueNode()) {
      for (String part : n.asText().split(",")) {
        if (!part.isBlank()) out.add(part.trim());
      }
    } else {
      throw bad(path, "a list of strings");
    }
    return List.copyOf(out);
  }

  /** A list of string maps, e.g. {@code conversions: [{name: purchase, url-path: /thanks}]}. */
  List<Map<String, String>> listOfMaps(String path) {
    JsonNode n = node(path);
    List<Map<String, String>> out = new ArrayList<>();
    if (n == null || n.isNull()) return out;
    if (!n.isArray()) throw bad(path, "a list of maps");
    for (JsonNode e : n) {
      if (!e.isObject()) throw bad(path, "a list of maps");
      Map<String, String> m = new LinkedHashMap<>();
      e.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().asText()));
      out.add(m);
    }
    return out;
  }

  Map<String, String> map(String path) {
    JsonNode n = node(path);
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null || n.isNull()) return out;
    if (!n.isObject()) throw bad(path, "a map of strings");
    n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /**
   * A subtree as dotted keys to text, e.g. {@code kafka.properties: {max.poll.records: 500}} and
   * {@code --set kafka.properties.max.poll.records=500} both give {@code max.poll.records=500}.
   */
  Map<String, String> flattened(String path) {
    JsonNode n = node(path);
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null || n.isNull()) return out;
    if (!n.isObject()) throw bad(path, "a map of settings");
    flatten(n, "", out);
    return out;
  }

  private static void flatten(JsonNode n, String prefix, Map<String, String> out) {
    n.fields().forEachRemaining(e -> {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) flatten(e.getValue(), key, out);
      else out.put(key, e.getValue().asText());
    });
  }

  /** Throws if the tree holds a key nobody read: a typo must not pass unnoticed. */
  void rejectUnknownKeys() {
    List<String> unknown = new ArrayList<>();
    collectLeaves(root, "", unknown);
    if (!unknown.isEmpty()) {
      throw new ConfigException("unknown configuration key(s): " + String.join(", ", unknown));
    }
  }

  private void collectLeaves(JsonNode n, String prefix, List<String> unknown) {
    if (read.contains(prefix)) return;
    if (n.isObject() && n.size() > 0) {
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        collectLeaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), unknown);
      }
    } else if (!prefix.isEmpty()) {
      unknown.add(prefix);
    }
  }

  private JsonNode node(String path) {
    read.add(path);
    JsonNode n = root;
    for (String part : path.split("\\.")) {
      if (n == null || !n.isObject()) return null;
      n = n.get(part);
    }
    return n;
  }

  private static ConfigException bad(String path, String expected) {
    return new ConfigException(path + ": expected " + expected);
  }
}
