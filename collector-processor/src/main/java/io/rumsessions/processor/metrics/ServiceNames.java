package io.rumsessions.processor.metrics;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the {@code service_name} label: the first {@code max} distinct names are kept, later
 * ones report as {@code other}. Names are clipped to 128 characters. Returns the same String
 * instance for the same name, so session keys share it instead of holding copies.
 */
public final class ServiceNames {
  public static final String OTHER = "other";
  public static final String UNKNOWN = "unknown_service";
  private static final int MAX_LENGTH = 128;

  private final int max;
  private final ConcurrentHashMap<String, String> known = new ConcurrentHashMap<>();

  public ServiceNames(int max) {
    this.max = max;
  }

  public String canonical(String raw) {
    if (raw == null || raw.isEmpty()) raw = UNKNOWN;
    String hit = known.get(raw);
    if (hit != null) return hit;
    if (known.size() >= max) return OTHER;
    String name = raw.length() > MAX_LENGTH ? raw.substring(0, MAX_LENGTH) : raw;
    String prior = known.putIfAbsent(raw, name);
    return prior != null ? prior : name;
  }
}
