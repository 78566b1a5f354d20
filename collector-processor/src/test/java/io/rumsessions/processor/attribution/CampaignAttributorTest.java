package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

class CampaignAttributorTest {
  private static final String TABLE = "/attribution/attribution-cases.psv";
  private static final CampaignAttributor ATTRIBUTOR = CampaignAttributor.withBundledLists(CampaignRegistry.empty());

  @ParameterizedTest(name = "{0}")
  @CsvFileSource(resources = TABLE, delimiter = '|', maxCharsPerColumn = 4096)
  void sessionStartIsAttributedLikeGa4(String name, String landingUrl, String referrer, String siteHost,
      String source, String medium, String campaign, String channel) {
    Attribution a = ATTRIBUTOR.attribute(landingUrl, referrer, siteHost);

    assertThat(List.of(a.source(), a.medium(), a.campaign(), a.channelLabel()))
        .as("source, medium, campaign, channel for %s", name)
        .containsExactly(source, medium, campaign, channel);
  }

  @Test
  void tableCoversEveryChannelAndEveryClickId() throws IOException {
    List<String[]> rows = rows();
    List<String> channels = rows.stream().map(r -> r[7]).toList();
    for (Channel c : Channel.values()) {
      assertThat(channels).as("a row for channel %s", c.label()).contains(c.label());
    }
    List<String> urls = rows.stream().map(r -> r[1].toLowerCase(Locale.ROOT)).toList();
    for (ClickId id : ClickId.values()) {
      assertThat(urls).as("a row with click id %s", id.parameter()).anyMatch(u -> u.contains("?" + id.parameter() + "="));
    }
    assertThat(rows).hasSizeGreaterThan(120);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # landing URL                                                                        | term        | content
      https://shop.example/?utm_source=google&utm_medium=cpc&utm_term=Running+Shoes&utm_content=Ad%201 | running shoes | ad 1
      https://shop.example/?mtm_campaign=spring&mtm_kwd=shoes&mtm_content=hero            | shoes       | hero
      https://shop.example/?pk_campaign=spring&pk_keyword=boots                            | boots       | (not set)
      https://shop.example/?utm_source=newsletter&utm_medium=email                         | (not set)   | (not set)
      https://shop.example/                                                                | (not set)   | (not set)
      """)
  void termAndContentAreReadOrNotSet(String landingUrl, String term, String content) {
    Attribution a = ATTRIBUTOR.attribute(landingUrl, null, null);

    assertThat(a.term()).isEqualTo(term);
    assertThat(a.content()).isEqualTo(content);
  }

  @Test
  void configuredSameSiteDomainsAreNotReferrers() {
    CampaignAttributor attributor = new CampaignAttributor(SourceLists.bundled(), CampaignRegistry.empty(), 50,
        List.of("shop-payments.example", "https://www.brand.example/"));

    assertThat(attributor.attribute("https://shop.example/thanks", "https://checkout.shop-payments.example/pay", null).channel())
        .isEqualTo(Channel.DIRECT);
    assertThat(attributor.attribute("https://shop.example/", "https://www.brand.example/", null).channel())
        .isEqualTo(Channel.DIRECT);
    assertThat(attributor.attribute("https://shop.example/", "https://other.example/", null).channel())
        .isEqualTo(Channel.REFERRAL);
  }

  @Test
  void directAttributionFollowsGa4Conventions() {
    Attribution direct = ATTRIBUTOR.attribute("https://shop.example/", null, "shop.example");

    assertThat(direct).isEqualTo(new Attribution("(direct)", "(none)", "(direct)", "(not set)", "(not set)", Channel.DIRECT));
    assertThat(direct).isSameAs(Attribution.direct());
  }

  @Test
  void overlongValuesAreCut() {
    Attribution a = ATTRIBUTOR.attribute("https://shop.example/?utm_source=s&utm_medium=email&utm_campaign=" + "x".repeat(5000), null, null);

    assertThat(a.campaign()).hasSize(ParamValues.MAX_LENGTH);
  }

  @Test
  void unregisteredValuesBecomeOtherPastTheLimitAndRegisteredOnesNever() {
    CampaignRegistry registry = CampaignRegistry.of(List.of(
        new CampaignLink(null, "facebook.com", "paid_social", "Launch", null, null, LocalDate.of(2026, 11, 28))));
    CampaignAttributor attributor = new CampaignAttributor(SourceLists.bundled(), registry, 2, List.of());

    List<String> campaigns = new ArrayList<>();
    for (String c : List.of("a", "b", "c", "a", "launch")) {
      Attribution a = attributor.attribute("https://shop.example/?utm_source=FB&utm_medium=paid_social&utm_campaign=" + c, null, null);
      Attribution labels = attributor.labelValues(a);
      assertThat(labels.source()).isEqualTo("facebook");
      assertThat(labels.channel()).isEqualTo(Channel.PAID_SOCIAL);
      campaigns.add(labels.campaign());
    }

    assertThat(campaigns).containsExactly("a", "b", "other", "a", "launch");
    assertThat(attributor.labels().sources().isRegistered("facebook")).isTrue();
  }

  private static List<String[]> rows() throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (InputStream in = CampaignAttributorTest.class.getResourceAsStream(TABLE)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) continue;
        String[] cells = Arrays.stream(line.split("\\|", -1)).map(String::trim).toArray(String[]::new);
        assertThat(cells).as(line).hasSize(8);
        rows.add(cells);
      }
    }
    return rows;
  }
}
