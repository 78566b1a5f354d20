package io.rumsessions.processor.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void keepsOnlyCampaignParametersAndClickIds() {
    assertThat(Redaction.reduceQuery("https://shop.example/p?email=a%40b.c&utm_source=google&q=shoes&gclid=xyz#frag"))
        .isEqualTo("https://shop.example/p?utm_source=google&gclid=xyz");
    assertThat(Redaction.reduceQuery("https://shop.example/p?token=secret")).isEqualTo("https://shop.example/p");
    assertThat(Redaction.reduceQuery("https://shop.example/p#x?y")).isEqualTo("https://shop.example/p");
    assertThat(Redaction.reduceQuery("https://shop.example/")).isEqualTo("https://shop.example/");
  }

  @Test
  void removesAddressesUserIdsAndTheClientSessionId() {
    Redaction r = new Redaction(List.of("url.full"), List.of("session.id", "splunk.rumSessionId"), "");
    assertThat(r.removes("client.address")).isTrue();
    assertThat(r.removes("user.id")).isTrue();
    assertThat(r.removes("enduser.id")).isTrue();
    assertThat(r.removes("splunk.rumSessionId")).isTrue();
    assertThat(r.removes("http.response_content_length")).isFalse();
    assertThat(r.isUrl("url.full")).isTrue();
  }

  @Test
  void theSessionIdUrlParameterIsRemovedEvenWithConsent() {
    Redaction r = new Redaction(List.of("url.full"), List.of("session.id"), "rum_sid");
    assertThat(r.withoutIdParameter("https://shop.example/p?a=1&rum_sid=abc&b=2#top")).isEqualTo("https://shop.example/p?a=1&b=2#top");
    assertThat(r.reduce("https://shop.example/p?rum_sid=abc&utm_source=x")).isEqualTo("https://shop.example/p?utm_source=x");
    assertThat(r.withoutIdParameter("https://shop.example/p")).isEqualTo("https://shop.example/p");
  }
}
