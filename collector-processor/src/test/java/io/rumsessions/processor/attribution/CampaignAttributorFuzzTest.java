package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rumsessions.processor.testing.Fuzzing;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * The URL and UTM parser on any landing URL, referrer, site host and campaign value (one per
 * line of the input, seeded with the fixtures' URLs). Nothing here may throw: these are what a
 * browser sent. Values come out normalised (bounded, trimmed, never empty) so one campaign is one
 * label value, the attribution is complete, and what {@code utm build} writes reads back as the
 * value it was given.
 */
class CampaignAttributorFuzzTest {
  private static final CampaignAttributor ATTRIBUTOR = CampaignAttributor.withBundledLists(CampaignRegistry.empty());
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void attributesAnyUrl(byte[] input) {
    runs++;
    String[] in = Fuzzing.lines(input, 4);
    String url = in[0];
    String referrer = in[1];
    String site = in[2];
    String value = in[3];

    CampaignParams p = CampaignParams.scan(url);
    for (String v : p.values) {
      if (v == null) continue;
      assertThat(v).as("a value of %s", url).isNotEmpty().hasSizeLessThanOrEqualTo(ParamValues.MAX_LENGTH).isEqualTo(v.trim());
      assertThat(ParamValues.normalize(v)).as("normalising a normal value of %s", url).isEqualTo(v);
    }

    Attribution a = ATTRIBUTOR.attribute(url, referrer, site);
    assertThat(List.of(a.source(), a.medium(), a.campaign(), a.term(), a.content())).as("attribution of %s from %s", url, referrer)
        .doesNotContainNull().allMatch(s -> !s.isEmpty());
    assertThat(a.channel()).isNotNull();
    Attribution labels = ATTRIBUTOR.labelValues(a);
    assertThat(List.of(labels.source(), labels.medium(), labels.campaign())).doesNotContainNull();

    for (TaggedUrl.RawParam param : TaggedUrl.params(url)) {
      ParamValues.normalize(param.decodedValue());
      ParamValues.hasBadEscape(param.rawValue() == null ? "" : param.rawValue());
    }

    String normal = ParamValues.normalize(value);
    // A value holding a valid escape is decoded again when read (double-encoded values): not a round trip.
    if (TaggedUrl.isWebUrl(url) && normal != null && !ParamValues.hasEscape(normal)) {
      String tagged = TaggedUrl.build(url, Arrays.asList(normal, "email", normal, null, null, normal));
      CampaignParams back = CampaignParams.scan(tagged);
      assertThat(Arrays.asList(back.get(CampaignParams.SOURCE), back.get(CampaignParams.MEDIUM), back.get(CampaignParams.CAMPAIGN),
              back.get(CampaignParams.CONTENT)))
          .as("utm build of %s with '%s' gave %s", url, normal, tagged)
          .containsExactly(normal, "email", normal, normal);
    }
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("URL/UTM parser", runs);
  }
}
