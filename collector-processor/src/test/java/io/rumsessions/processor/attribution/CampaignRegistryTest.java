package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignRegistryTest {
  @TempDir Path dir;

  private static final CampaignLink SPRING = new CampaignLink(
      "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale",
      "newsletter", "email", "spring_sale", null, "header", LocalDate.of(2026, 11, 28));
  private static final CampaignLink ADS = new CampaignLink(
      "https://shop.example/p?x=1&utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=red%20shoes",
      "google", "cpc", "brand", "red shoes", null, LocalDate.of(2026, 11, 27));

  @Test
  void saveAndLoadRoundTrip() throws Exception {
    Path file = dir.resolve("sub/campaigns.yaml");
    CampaignRegistry registry = CampaignRegistry.empty().with(SPRING).with(ADS);

    registry.save(file);
    CampaignRegistry loaded = CampaignRegistry.load(file);

    assertThat(loaded.links()).containsExactly(SPRING, ADS);
    assertThat(loaded.registeredSources()).containsExactly("newsletter", "google");
    assertThat(loaded.registeredMediums()).containsExactly("email", "cpc");
    assertThat(loaded.registeredCampaigns()).containsExactly("spring_sale", "brand");
    String yaml = Files.readString(file);
    assertThat(yaml).startsWith("# rum-sessions campaign registry").contains("campaigns:\n  - url: ")
        .contains("created: 2026-11-28").doesNotContain("term: null").doesNotContain("---");
    assertThat(dir.resolve("sub")).isDirectoryNotContaining("glob:**.tmp");
  }

  @Test
  void missingFileIsAnEmptyRegistry() {
    assertThat(CampaignRegistry.load(dir.resolve("none.yaml")).isEmpty()).isTrue();
    assertThat(CampaignRegistry.parse("", "empty.yaml").isEmpty()).isTrue();
    assertThat(CampaignRegistry.parse("campaigns:\n", "empty.yaml").isEmpty()).isTrue();
  }

  @Test
  void handWrittenValuesAreNormalisedAndTolerated() {
    CampaignRegistry r = CampaignRegistry.parse("""
        # my campaigns
        campaigns:
          - source: Newsletter
            medium: " Email "
            campaign: Spring Sale
            created: 2026-11-28
          - {source: google, medium: cpc, campaign: 2026}
        """, "hand.yaml");

    assertThat(r.links()).extracting(CampaignLink::source, CampaignLink::medium, CampaignLink::campaign)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("newsletter", "email", "spring sale"),
            org.assertj.core.groups.Tuple.tuple("google", "cpc", "2026"));
    assertThat(r.links().get(0).created()).isEqualTo(LocalDate.of(2026, 11, 28));
  }

  @Test
  void sameUrlReplacesTheEntry() {
    CampaignLink again = new CampaignLink(SPRING.url(), "newsletter", "email", "spring_sale", null, "footer", LocalDate.of(2026, 12, 1));

    CampaignRegistry r = CampaignRegistry.empty().with(SPRING).with(ADS).with(again);

    assertThat(r.links()).containsExactly(again, ADS);
    assertThat(r.find(SPRING.url())).isEqualTo(again);
    assertThat(r.find("https://nope.example/")).isNull();
  }

  @Test
  void malformedFilesAreRejectedWithTheirPlace() {
    assertThatThrownBy(() -> CampaignRegistry.parse("- a\n- b\n", "r.yaml"))
        .hasMessageContaining("r.yaml: expected a mapping with a 'campaigns' list");
    assertThatThrownBy(() -> CampaignRegistry.parse("links: []\n", "r.yaml"))
        .hasMessageContaining("unknown key 'links'");
    assertThatThrownBy(() -> CampaignRegistry.parse("campaigns:\n  - {source: a, medium: b}\n", "r.yaml"))
        .hasMessageContaining("r.yaml: campaigns[0]: campaign is required");
    assertThatThrownBy(() -> CampaignRegistry.parse("campaigns:\n  - {source: a, medium: b, campain: c}\n", "r.yaml"))
        .hasMessageContaining("campaigns[0]: unknown key 'campain'");
    assertThatThrownBy(() -> CampaignRegistry.parse("campaigns:\n  - {source: a, medium: b, campaign: c, created: yesterday}\n", "r.yaml"))
        .hasMessageContaining("created must be a date like 2026-11-28");
    assertThatThrownBy(() -> CampaignRegistry.parse("campaigns: [\n", "r.yaml"))
        .hasMessageContaining("r.yaml: not valid YAML");
    assertThatThrownBy(() -> CampaignRegistry.parse("campaigns:\n  - {source: [a], medium: b, campaign: c}\n", "r.yaml"))
        .hasMessageContaining("'source' must be a single value");
  }

  @Test
  void registeredValuesOfEmptyRegistryAreEmpty() {
    assertThat(CampaignRegistry.empty().registeredSources()).isEmpty();
    assertThat(CampaignRegistry.of(List.of(SPRING)).registeredCampaigns()).containsExactly("spring_sale");
  }
}
