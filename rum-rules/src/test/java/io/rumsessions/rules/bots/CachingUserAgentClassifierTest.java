package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rumsessions.rules.corpus.Corpus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CachingUserAgentClassifierTest {

  private static final UserAgentClassifier CLASSIFIER = UserAgentClassifier.fromBundledLists();

  @Test
  void cachedVerdictEqualsUncachedVerdictForTheWholeCorpus() {
    CachingUserAgentClassifier cache = new CachingUserAgentClassifier(CLASSIFIER, 64);
    for (int round = 0; round < 2; round++) {
      for (String ua : Corpus.allUserAgents()) {
        assertThat(cache.classify(ua)).as(ua).isSameAs(CLASSIFIER.classify(ua));
      }
    }
  }

  @Test
  void aHitReturnsTheStoredVerdictForAnEqualString() {
    CachingUserAgentClassifier cache = new CachingUserAgentClassifier(CLASSIFIER, 16);
    String ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/131.0.0.0 Safari/537.36";
    UserAgentVerdict first = cache.classify(ua);
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.classify(new String(ua.toCharArray()))).isSameAs(first);
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void aCollidingUserAgentOverwritesTheSlot() {
    CachingUserAgentClassifier cache = new CachingUserAgentClassifier(CLASSIFIER, 1);
    cache.classify("curl/8.5.0");
    UserAgentVerdict human = cache.classify(
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0");
    assertThat(cache.size()).isEqualTo(1);
    assertThat(human.isBot()).isFalse();
    assertThat(cache.classify("curl/8.5.0").isBot()).isTrue();
  }

  @Test
  void capacityIsRoundedUpToAPowerOfTwo() {
    assertThat(new CachingUserAgentClassifier(CLASSIFIER, 1000).capacity()).isEqualTo(1024);
    assertThat(new CachingUserAgentClassifier(CLASSIFIER, 1).capacity()).isEqualTo(1);
    assertThat(new CachingUserAgentClassifier().capacity())
        .isEqualTo(CachingUserAgentClassifier.DEFAULT_CAPACITY);
    assertThatThrownBy(() -> new CachingUserAgentClassifier(CLASSIFIER, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nullAndOverlongUserAgentsAreNotCached() {
    CachingUserAgentClassifier cache = new CachingUserAgentClassifier(CLASSIFIER, 16);
    assertThat(cache.classify(null).botReason()).isEqualTo(BotReason.USER_AGENT_EMPTY);
    assertThat(cache.classify("x".repeat(2000)).botReason()).isEqualTo(BotReason.USER_AGENT_INVALID);
    assertThat(cache.size()).isZero();
  }

  @Test
  void clearEmptiesEverySlot() {
    CachingUserAgentClassifier cache = new CachingUserAgentClassifier(CLASSIFIER, 16);
    cache.classify("curl/8.5.0");
    cache.clear();
    assertThat(cache.size()).isZero();
  }

  @Test
  void concurrentReadersAndWritersAlwaysGetTheRightVerdict() throws Exception {
    CachingUserAgentClassifier cache = new CachingUserAgentClassifier(CLASSIFIER, 32);
    List<String> uas = Corpus.allUserAgents().subList(0, 2000);
    List<UserAgentVerdict> expected = new ArrayList<>();
    for (String ua : uas) {
      expected.add(CLASSIFIER.classify(ua));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        final int offset = t * 97;
        results.add(pool.submit(() -> {
          int wrong = 0;
          for (int round = 0; round < 5; round++) {
            for (int i = 0; i < uas.size(); i++) {
              int k = (i + offset) % uas.size();
              if (cache.classify(uas.get(k)) != expected.get(k)) {
                wrong++;
              }
            }
          }
          return wrong;
        }));
      }
      for (Future<Integer> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isZero();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
