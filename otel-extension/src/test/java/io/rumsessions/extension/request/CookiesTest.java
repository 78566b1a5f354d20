package io.rumsessions.extension.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CookiesTest {

  @Test
  void findsANamedCookie() {
    String h = "theme=dark; rum_sid=abc-123;  other = x ; quoted=\"v 1\"";
    assertThat(Cookies.find(h, "rum_sid")).isEqualTo("abc-123");
    assertThat(Cookies.find(h, "theme")).isEqualTo("dark");
    assertThat(Cookies.find(h, "other")).isEqualTo("x");
    assertThat(Cookies.find(h, "quoted")).isEqualTo("v 1");
    assertThat(Cookies.find(h, "rum")).isNull();
    assertThat(Cookies.find(h, "RUM_SID")).isNull();
    assertThat(Cookies.find("a=1;b=2", "b")).isEqualTo("2");
    assertThat(Cookies.find("flag; a=1", "a")).isEqualTo("1");
    assertThat(Cookies.find("a=", "a")).isEmpty();
  }

  @Test
  void firstOccurrenceAcrossHeadersWins() {
    assertThat(Cookies.find(Arrays.asList("x=1", "sid=first; sid=second"), "sid")).isEqualTo("first");
    assertThat(Cookies.find((java.util.List<String>) null, "sid")).isNull();
    assertThat(Cookies.find(Arrays.asList("sid=1"), "")).isNull();
  }

  @Test
  void urlDecoding() {
    assertThat(Cookies.urlDecode("%7Ba%3A1%7D")).isEqualTo("{a:1}");
    assertThat(Cookies.urlDecode("100%")).isEqualTo("100%");
    assertThat(Cookies.urlDecode("plain")).isEqualTo("plain");
  }
}
