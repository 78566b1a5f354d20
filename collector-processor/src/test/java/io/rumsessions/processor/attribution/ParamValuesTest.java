package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Value normalisation: one campaign is one label value. */
class ParamValuesTest {
  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
      spring_sale               | spring_sale
      Spring_Sale               | spring_sale
      spring+sale               | spring sale
      spring%20sale             | spring sale
      spring%2520sale           | spring sale
      spring%252520sale         | spring sale
      spring%25252520sale       | spring%20sale
      %20%20spring%09sale%0A    | spring sale
      spring%C2%A0sale          | spring sale
      100%zz                    | 100%zz
      100%                      | 100%
      %E2%82                    | \uFFFD
      caf%C3%A9                 | café
      cafe%CC%81                | café
      %E2%80%8Bzero%E2%80%8Bwidth | zerowidth
      a%2Bb                     | a+b
      %00                       | null
      +++                       | null
      ''                        | null
      """)
  void rawQueryValuesAreDecodedAndNormalised(String raw, String expected) {
    String value = raw == null ? "" : raw;
    assertThat(ParamValues.decode(value, 0, value.length())).isEqualTo(expected);
  }

  @Test
  void plainValuesAreReturnedWithoutCopyingTheQuery() {
    String url = "https://x.example/?utm_source=newsletter";
    int at = url.indexOf('=') + 1;
    assertThat(ParamValues.decode(url, at, url.length())).isEqualTo("newsletter");
  }

  @Test
  void longValuesAreCutWithoutSplittingASurrogatePair() {
    String v = "a".repeat(ParamValues.MAX_LENGTH - 1) + "\uD83D\uDE00tail";
    assertThat(ParamValues.normalize(v)).hasSize(ParamValues.MAX_LENGTH - 1);
    assertThat(ParamValues.normalize("B".repeat(500))).isEqualTo("b".repeat(ParamValues.MAX_LENGTH));
  }

  @Test
  void escapesAreDetected() {
    assertThat(ParamValues.hasBadEscape("100%zz")).isTrue();
    assertThat(ParamValues.hasBadEscape("50%")).isTrue();
    assertThat(ParamValues.hasBadEscape("a%20b")).isFalse();
    assertThat(ParamValues.hasEscape("a%20b")).isTrue();
    assertThat(ParamValues.hasEscape("a%2")).isFalse();
  }
}
