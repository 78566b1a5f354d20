package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConversionRulesTest {
  private static final Function<String, String> NO_ATTRIBUTES = k -> null;

  private static final ConversionRules RULES = ConversionRules.parse(List.of(
      Map.of("name", "purchase", "url-path", "/checkout/thank-you*"),
      Map.of("name", "signup", "span-name", "signup"),
      Map.of("name", "lead", "attribute", "form.id", "value", "contact"),
      Map.of("name", "download", "url-path-regex", "/downloads/[^/]+\\.(pdf|zip)"),
      Map.of("name", "purchase", "span-name", "checkout", "attribute", "order.id"),
      Map.of("name", "docs_visit", "url-path", "/docs/?*/intro")));

  @ParameterizedTest(name = "{0} {1} {2}={3} -> {4}")
  @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
      # span name      | url path                          | attribute | value   | conversion
      documentLoad     | /checkout/thank-you                | null      | null    | purchase
      documentLoad     | /checkout/thank-you/order/42       | null      | null    | purchase
      documentLoad     | /checkout/thank-you?order=42#top   | null      | null    | purchase
      documentLoad     | /checkout/thank                    | null      | null    | null
      documentLoad     | /en/checkout/thank-you             | null      | null    | null
      documentLoad     | /Checkout/Thank-You                | null      | null    | null
      signup           | /anything                          | null      | null    | signup
      signup           | null                               | null      | null    | signup
      Signup           | /anything                          | null      | null    | null
      click            | /contact                           | form.id   | contact | lead
      click            | /contact                           | form.id   | Contact | null
      click            | /contact                           | form.id   | null    | null
      documentLoad     | /downloads/guide.pdf               | null      | null    | download
      documentLoad     | /downloads/guide.pdf.html          | null      | null    | null
      checkout         | /cart                              | order.id  | 42      | purchase
      checkout         | /cart                              | order.id  |         | null
      checkout         | /cart                              | null      | null    | null
      documentLoad     | /docs/v2/intro                     | null      | null    | docs_visit
      documentLoad     | /docs//intro                       | null      | null    | null
      documentLoad     | null                               | null      | null    | null
      """)
  void firstMatchingRuleNamesTheConversion(String spanName, String urlPath, String attribute, String value, String conversion) {
    Map<String, String> attributes = new HashMap<>();
    if (attribute != null) attributes.put(attribute, value == null ? "" : value);

    assertThat(RULES.match(spanName, urlPath, attributes::get)).isEqualTo(conversion);
  }

  @Test
  void namesAreTheBoundedLabelValues() {
    assertThat(RULES.names()).containsExactly("purchase", "signup", "lead", "download", "docs_visit");
    assertThat(ConversionRules.none().match("signup", "/", NO_ATTRIBUTES)).isNull();
    assertThat(ConversionRules.parse(null).isEmpty()).isTrue();
  }

  @Test
  void nonStringScalarsAreAccepted() {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("name", "paid");
    rule.put("attribute", "order.paid");
    rule.put("value", true);
    ConversionRules rules = ConversionRules.parse(List.of(rule));

    assertThat(rules.match("x", "/", Map.of("order.paid", "true")::get)).isEqualTo("paid");
  }

  @Test
  void globMatchesWholePathWithStarsAndQuestionMarks() {
    assertThat(ConversionRule.glob("*", "/any/thing", 10)).isTrue();
    assertThat(ConversionRule.glob("/a/*/c", "/a/b/x/c", 8)).isTrue();
    assertThat(ConversionRule.glob("/a/?", "/a/bc", 5)).isFalse();
    assertThat(ConversionRule.glob("/a/**", "/a/", 3)).isTrue();
    assertThat(ConversionRule.glob("*.pdf", "/x.pdf", 6)).isTrue();
    assertThat(ConversionRule.glob("*.pdf", "/x.pdfs", 7)).isFalse();
  }

  @Test
  void invalidRulesAreRejectedWithClearMessages() {
    assertInvalid(Map.of("url-path", "/x"), "conversions[0]: 'name' is required");
    assertInvalid(Map.of("name", "purchase"), "conversions[0] (purchase): needs at least one of span-name, url-path, url-path-regex, attribute");
    assertInvalid(Map.of("name", "purchase", "url_path", "/x"), "conversions[0]: unknown key 'url_path'; expected one of name, span-name, url-path, url-path-regex, attribute, value");
    assertInvalid(Map.of("name", "purchase", "value", "x"), "'value' needs 'attribute'");
    assertInvalid(Map.of("name", "purchase", "url-path", "/x", "url-path-regex", "/x"), "use url-path or url-path-regex, not both");
    assertInvalid(Map.of("name", "purchase", "url-path", "thank-you"), "url-path 'thank-you' must start with '/' or '*'");
    assertInvalid(Map.of("name", "purchase", "url-path-regex", "/x("), "url-path-regex is not a valid regular expression");
    assertInvalid(Map.of("name", "buy now", "span-name", "x"), "name 'buy now' must start with a letter");
    assertInvalid(Map.of("name", "purchase", "span-name", " "), "'span-name' is empty");
    assertInvalid(Map.of("name", "purchase", "span-name", List.of("a")), "'span-name' must be a single value");
  }

  @Test
  void tooManyDistinctNamesAreRejected() {
    List<Map<String, String>> rules = new ArrayList<>();
    for (int i = 0; i <= ConversionRules.MAX_NAMES; i++) rules.add(Map.of("name", "c" + i, "span-name", "s"));

    assertThatThrownBy(() -> ConversionRules.parse(rules)).hasMessageContaining("more than 50 distinct conversion names");
  }

  @Test
  void errorsNameTheFailingRuleIndex() {
    assertThatThrownBy(() -> ConversionRules.parse(List.of(Map.of("name", "ok", "span-name", "x"), Map.of("name", "bad"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("conversions[1] (bad)");
  }

  private static void assertInvalid(Map<String, ?> rule, String message) {
    assertThatThrownBy(() -> ConversionRules.parse(List.of(rule)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }
}
