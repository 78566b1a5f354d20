package io.rumsessions.processor.bots;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.input.SpanFacts;
import io.rumsessions.processor.testing.Fuzzing;
import io.rumsessions.rules.bots.CachingUserAgentClassifier;
import io.rumsessions.rules.bots.CidrSet;
import io.rumsessions.rules.bots.UserAgentClassifier;
import io.rumsessions.rules.bots.UserAgentVerdict;
import io.rumsessions.rules.device.DeviceType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The user-agent verdict (rum-rules) and the bot filter around it, on any user agent, referrer,
 * client address and IP range (one per line of the input, seeded with the fixtures' user agents).
 * Nothing may throw but {@link CidrSet#parse}'s IllegalArgumentException for a bad range; a
 * verdict is consistent (a bot is a bot device, {@code explain} names the same rule) and the
 * cache in front of the classifier never changes it.
 */
class UserAgentFuzzTest {
  private static final UserAgentClassifier CLASSIFIER = UserAgentClassifier.fromBundledLists();
  private static final CachingUserAgentClassifier CACHE = new CachingUserAgentClassifier(CLASSIFIER, 64);
  private static final BotFilter FILTER =
      BotFilter.from(ConfigLoader.load(null, Map.of("bots.ip-ranges", "10.0.0.0/8,2001:db8::/32,66.249.64.0/19")).bots());
  private static long runs;

  @FuzzTest(maxDuration = Fuzzing.CI_DURATION)
  void judgesAnyUserAgent(byte[] input) {
    runs++;
    String[] in = Fuzzing.lines(input, 4);
    String ua = in[0];

    UserAgentVerdict v = CLASSIFIER.classify(ua);
    assertThat(v.device() == DeviceType.BOT).as("bot device for a bot verdict: %s on '%s'", v, ua).isEqualTo(v.isBot());
    assertThat(CACHE.classify(ua)).as("cached verdict for '%s'", ua).isSameAs(v);
    String explained = CLASSIFIER.explain(ua);
    assertThat(explained).as("explanation of '%s'", ua).startsWith(v.isBot() ? v.botReasonLabel() + ": " : "human");

    SpanFacts f = new SpanFacts();
    f.referrer = in[1];
    String reason = FILTER.reason(f, ua, in[2]);
    if (reason == null) assertThat(v.isBot()).as("a bot user agent passed the filter: '%s'", ua).isFalse();
    assertThat(FILTER.device(ua)).isEqualTo(v.device().label());

    CidrSet ranges;
    try {
      ranges = CidrSet.parse(List.of(in[3]));
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).as("refusal of range '%s'", in[3]).isNotBlank();
      return;
    }
    ranges.contains(in[2]);
  }

  @AfterAll
  static void mutated() {
    Fuzzing.assertMutated("user-agent verdict", runs);
  }
}
