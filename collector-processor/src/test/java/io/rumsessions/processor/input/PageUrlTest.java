package io.rumsessions.processor.input;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PageUrlTest {
  @Test
  void pathDropsQueryAndFragment() {
    assertThat(PageUrl.path("http://127.0.0.1:20453/index.html?utm_source=google#top")).isEqualTo("/index.html");
    assertThat(PageUrl.path("https://shop.example")).isEqualTo("/");
    assertThat(PageUrl.path("https://shop.example?x=1")).isEqualTo("/");
    assertThat(PageUrl.path("/relative/path?x")).isEqualTo("/relative/path");
    assertThat(PageUrl.path("https://a.example/" + "x".repeat(1000))).hasSize(PageUrl.MAX_PATH);
  }

  @Test
  void hostIsLowerCasedWithoutPortOrUserInfo() {
    assertThat(PageUrl.host("https://user:pw@Shop.Example:8443/p")).isEqualTo("shop.example");
    assertThat(PageUrl.host("http://[::1]:8080/")).isEqualTo("[::1]");
    assertThat(PageUrl.host("not a url")).isEmpty();
    assertThat(PageUrl.host(null)).isEmpty();
  }
}
