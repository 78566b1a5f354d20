package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What fuzzing the URL/UTM parser found (CampaignAttributorFuzzTest), each kept as a plain test. */
class FuzzFindingsTest {
  private static final CampaignAttributor ATTRIBUTOR = CampaignAttributor.withBundledLists(CampaignRegistry.empty());

  private static String sourceOf(String url) {
    return ATTRIBUTOR.attribute(url, null, null).source();
  }

  private static String build(String url, String source) {
    return TaggedUrl.build(url, Arrays.asList(source, "email", "spring", null, null, null));
  }

  /**
   * Bug: {@code utm build} removed only names it decoded to exactly utm_source and so on, while
   * the reader also takes a name after an HTML-escaped {@code &amp;} separator; the old value
   * stayed in front and won.
   */
  @Test
  void utmBuildReplacesAParameterAfterAnHtmlEscapedSeparator() {
    String tagged = build("https://shop.example/?id=1&amp;utm_source=old", "newsletter");
    assertThat(tagged).isEqualTo("https://shop.example/?id=1&utm_source=newsletter&utm_medium=email&utm_campaign=spring");
    assertThat(sourceOf(tagged)).isEqualTo("newsletter");
  }

  /**
   * Bug: the same for a name the reader matches ignoring case beyond ASCII ({@code ſ}, long s,
   * is an upper-case S's lower case too): {@code utm build} kept {@code utm_ſource=old}.
   */
  @Test
  void utmBuildReplacesEveryCaseVariantTheReaderReads() {
    assertThat(sourceOf("https://shop.example/?utm_\u017fource=old")).isEqualTo("old");
    String tagged = build("https://shop.example/?utm_\u017fource=old&UTM_Medium=x", "newsletter");
    assertThat(tagged).isEqualTo("https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring");
    assertThat(sourceOf(tagged)).isEqualTo("newsletter");
  }
}
