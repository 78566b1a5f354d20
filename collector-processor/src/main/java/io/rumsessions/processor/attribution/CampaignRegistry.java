package io.rumsessions.processor.attribution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The campaign registry: a YAML file of tagged links, written by {@code rum-sessions utm build}
 * and readable by hand. The processor reports registered sources, mediums and campaigns as label
 * values unconditionally (see {@link AttributionLabels}).
 *
 * <pre>
 * campaigns:
 *   - url: https://shop.example/?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=spring_sale
 *     source: newsletter
 *     medium: email
 *     campaign: spring_sale
 *     term: null
 *     content: header_button
 *     created: 2026-11-28
 * </pre>
 *
 * Immutable; {@link #with} returns a new registry.
 */
public final class CampaignRegistry {
  static final String HEADER =
      "# rum-sessions campaign registry: tagged links and the values the processor reports as labels.\n"
          + "# Written by `rum-sessions utm build`; may be edited by hand (comments are not kept on rewrite).\n"
          + "# Keys per link: url, source, medium, campaign (required), term, content, created (YYYY-MM-DD).\n";
  private static final List<String> KEYS = List.of("url", "source", "medium", "campaign", "term", "content", "created");
  private static final CampaignRegistry EMPTY = new CampaignRegistry(List.of());

  private final List<CampaignLink> links;

  private CampaignRegistry(List<CampaignLink> links) {
    this.links = List.copyOf(links);
  }

  public static CampaignRegistry empty() {
    return EMPTY;
  }

  public static CampaignRegistry of(List<CampaignLink> links) {
    return new CampaignRegistry(links);
  }

  /** Reads the file; a missing file is an empty registry. */
  public static CampaignRegistry load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return EMPTY;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read campaign registry " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /** Parses registry YAML; {@code origin} names it in error messages. */
  public static CampaignRegistry parse(String yaml, String origin) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(origin + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) return EMPTY;
    if (!root.isObject()) throw new IllegalArgumentException(origin + ": expected a mapping with a 'campaigns' list");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("campaigns")) throw new IllegalArgumentException(origin + ": unknown key '" + key + "' (expected 'campaigns')");
    }
    JsonNode list = root.get("campaigns");
    if (list == null || list.isNull()) return EMPTY;
    if (!list.isArray()) throw new IllegalArgumentException(origin + ": 'campaigns' must be a list");
    List<CampaignLink> links = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = origin + ": campaigns[" + i + "]";
      JsonNode n = list.get(i);
      if (!n.isObject()) throw new IllegalArgumentException(where + ": expected a mapping");
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!KEYS.contains(e.getKey())) {
          throw new IllegalArgumentException(where + ": unknown key '" + e.getKey() + "' (expected one of " + String.join(", ", KEYS) + ")");
        }
        if (e.getValue().isContainerNode()) throw new IllegalArgumentException(where + ": '" + e.getKey() + "' must be a single value");
      }
      LocalDate created = null;
      String date = text(n, "created");
      if (date != null) {
        try {
          created = LocalDate.parse(date);
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException(where + ": created must be a date like 2026-11-28, got '" + date + "'");
        }
      }
      try {
        links.add(new CampaignLink(text(n, "url"), text(n, "source"), text(n, "medium"), text(n, "campaign"),
            text(n, "term"), text(n, "content"), created));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    return new CampaignRegistry(links);
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) return null;
    return v.asText();
  }

  /** Writes the registry to the file (through a temporary file, then a rename). */
  public void save(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    try {
      if (dir != null) Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try {
        Files.writeString(tmp, toYaml(), StandardCharsets.UTF_8);
        try {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write campaign registry " + file + ": " + e.getMessage(), e);
    }
  }

  /** The registry as YAML, with the header comment. */
  public String toYaml() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ArrayNode list = root.putArray("campaigns");
    for (CampaignLink l : links) {
      ObjectNode n = list.addObject();
      if (l.url() != null) n.put("url", l.url());
      n.put("source", l.source());
      n.put("medium", l.medium());
      n.put("campaign", l.campaign());
      if (l.term() != null) n.put("term", l.term());
      if (l.content() != null) n.put("content", l.content());
      if (l.created() != null) n.put("created", l.created().toString());
    }
    YAMLFactory factory = YAMLFactory.builder()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
        .build();
    try {
      return HEADER + new ObjectMapper(factory).writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public List<CampaignLink> links() {
    return links;
  }

  public boolean isEmpty() {
    return links.isEmpty();
  }

  /**
   * A registry with the link added; a link with the same URL (or, without URL, the same
   * source/medium/campaign/term/content) is replaced in place.
   */
  public CampaignRegistry with(CampaignLink link) {
    List<CampaignLink> out = new ArrayList<>(links);
    for (int i = 0; i < out.size(); i++) {
      if (sameLink(out.get(i), link)) {
        out.set(i, link);
        return new CampaignRegistry(out);
      }
    }
    out.add(link);
    return new CampaignRegistry(out);
  }

  /** The registered link for this URL, or null. */
  public CampaignLink find(String url) {
    for (CampaignLink l : links) {
      if (l.url() != null && l.url().equals(url)) return l;
    }
    return null;
  }

  private static boolean sameLink(CampaignLink a, CampaignLink b) {
    if (a.url() != null || b.url() != null) return Objects.equals(a.url(), b.url());
    return a.source().equals(b.source()) && a.medium().equals(b.medium()) && a.campaign().equals(b.campaign())
        && Objects.equals(a.term(), b.term()) && Objects.equals(a.content(), b.content());
  }

  public Set<String> registeredSources() {
    return values(CampaignLink::source);
  }

  public Set<String> registeredMediums() {
    return values(CampaignLink::medium);
  }

  public Set<String> registeredCampaigns() {
    return values(CampaignLink::campaign);
  }

  private Set<String> values(Function<CampaignLink, String> f) {
    Set<String> out = new LinkedHashSet<>();
    for (CampaignLink l : links) out.add(f.apply(l));
    return Collections.unmodifiableSet(out);
  }
}
