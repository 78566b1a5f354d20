package io.rumsessions.processor.bench;

import io.rumsessions.processor.attribution.Attribution;
import io.rumsessions.processor.attribution.CampaignAttributor;
import io.rumsessions.processor.attribution.CampaignRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Campaign attribution at a session's first pageview ({@link CampaignAttributor#attribute} and
 * the bounded label values): a landing URL with UTM parameters and a search-engine referrer, an
 * ad click id, a social referrer without tags, and a direct visit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AttributionBenchmark {
  static final String UTM_URL = "https://shop.example.com/products/trail-running-shoes?color=blue&size=42"
      + "&utm_source=google&utm_medium=cpc&utm_campaign=spring_sale_2026&utm_term=running%20shoes&utm_content=ad_variant_b";
  static final String GCLID_URL = "https://shop.example.com/?gclid=Cj0KCQjw8p2MBhCiARIsADDUFVH4T3ml8yE0Hf2Q&utm_campaign=brand";
  static final String PLAIN_URL = "https://shop.example.com/blog/how-to-choose-running-shoes";

  final CampaignAttributor attributor = CampaignAttributor.withBundledLists(CampaignRegistry.empty());

  @Benchmark
  public Attribution utmWithSearchReferrer() {
    return attributor.labelValues(attributor.attribute(UTM_URL, "https://www.google.com/", "shop.example.com"));
  }

  @Benchmark
  public Attribution clickId() {
    return attributor.labelValues(attributor.attribute(GCLID_URL, null, "shop.example.com"));
  }

  @Benchmark
  public Attribution socialReferrer() {
    return attributor.labelValues(attributor.attribute(PLAIN_URL, "https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example.com", "shop.example.com"));
  }

  @Benchmark
  public Attribution direct() {
    return attributor.labelValues(attributor.attribute(PLAIN_URL, null, "shop.example.com"));
  }
}
