package io.rumsessions.rules.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenSetTest {

  @Test
  void wordBoundaryMarkersRequireANonLetterOrDigitNeighbour() {
    TokenSet set = TokenSet.of("\\btv\\b");
    assertThat(set.containsAny("Mozilla/5.0 (TV; rv:78.0)")).isTrue();
    assertThat(set.containsAny("tv")).isTrue();
    assertThat(set.containsAny("Tvbox")).isFalse();
    assertThat(set.containsAny("SmartTV")).isFalse();
  }

  @Test
  void tokensAreCaseInsensitiveAndReportedInTextOrder() {
    TokenSet set = TokenSet.of("spider", "bot\\b");
    assertThat(set.first("AntBot/1.0 Spider")).isEqualTo(1);
    assertThat(set.token(set.first("a SPIDER"))).isEqualTo("spider");
    assertThat(set.first("robotic")).isEqualTo(-1);
    assertThat(set.size()).isEqualTo(2);
  }

  @Test
  void emptyTokenIsRejected() {
    assertThatThrownBy(() -> TokenSet.of("\\b\\b")).isInstanceOf(IllegalArgumentException.class);
  }
}
