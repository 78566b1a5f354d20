package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LabelLimiterTest {
  @Test
  void registeredValuesAreAlwaysKept() {
    LabelLimiter limiter = new LabelLimiter(List.of("spring_sale"), 0);

    assertThat(limiter.limit("spring_sale")).isEqualTo("spring_sale");
    assertThat(limiter.limit("anything")).isEqualTo("other");
    assertThat(limiter.limit("other")).isEqualTo("other");
  }

  @Test
  void firstNDistinctValuesAreKeptThenOther() {
    LabelLimiter limiter = new LabelLimiter(List.of("registered"), 3);

    assertThat(List.of("a", "b", "a", "registered", "c", "d", "b", "e", "c"))
        .extracting(limiter::limit)
        .containsExactly("a", "b", "a", "registered", "c", "other", "b", "other", "c");
    assertThat(limiter.admittedCount()).isEqualTo(3);
    assertThat(limiter.values()).containsExactly("a", "b", "c", "other", "registered");
  }

  @Test
  void nullIsNotSet() {
    assertThat(new LabelLimiter(List.of(), 5).limit(null)).isEqualTo("(not set)");
  }

  @Test
  void negativeLimitIsRejected() {
    assertThatThrownBy(() -> new LabelLimiter(List.of(), -1)).hasMessageContaining(">= 0");
  }

  @Test
  void concurrentCallersNeverAdmitMoreThanTheLimit() throws Exception {
    LabelLimiter limiter = new LabelLimiter(List.of("kept"), 50);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    Set<String> returned = ConcurrentHashMap.newKeySet();
    try {
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 2_000; i++) {
            returned.add(limiter.limit("v" + ((i * 7 + thread) % 500)));
            returned.add(limiter.limit("kept"));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) f.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertThat(limiter.admittedCount()).isEqualTo(50);
    assertThat(returned).hasSize(52).contains("kept", "other");
    for (String v : returned) {
      if (v.startsWith("v")) assertThat(limiter.limit(v)).isEqualTo(v);
    }
  }

  @Test
  void attributionLabelsKeepConventionsAndRegisteredValues() {
    CampaignRegistry registry = CampaignRegistry.of(List.of(
        new CampaignLink(null, "Newsletter", "email", "spring_sale", null, null, null)));
    AttributionLabels labels = new AttributionLabels(registry, 0);

    Attribution bounded = labels.bound(new Attribution("newsletter", "email", "spring_sale", "t", "c", Channel.EMAIL));
    // Term and content are not labels.
    assertThat(bounded).isEqualTo(new Attribution("newsletter", "email", "spring_sale", "(not set)", "(not set)", Channel.EMAIL));
    // The same label values are one shared record, whatever else the attribution carried.
    assertThat(labels.bound(new Attribution(new String("newsletter"), "email", "spring_sale", "t2", "c2", Channel.EMAIL)))
        .isSameAs(bounded);
    assertThat(labels.bound(new Attribution("newsletter", "email", "spring_sale", "t", "c", Channel.REFERRAL)))
        .isNotSameAs(bounded).extracting(Attribution::channel).isEqualTo(Channel.REFERRAL);
    assertThat(labels.bound(Attribution.direct())).isSameAs(Attribution.direct());
    assertThat(labels.bound(new Attribution("google", "organic", "(organic)", "(not set)", "(not set)", Channel.ORGANIC_SEARCH)))
        .isEqualTo(new Attribution("other", "organic", "(organic)", "(not set)", "(not set)", Channel.ORGANIC_SEARCH));
    assertThat(labels.bound(new Attribution("x", "weird", "y", "(not set)", "(not set)", Channel.UNASSIGNED)))
        .extracting(Attribution::source, Attribution::medium, Attribution::campaign)
        .containsExactly("other", "other", "other");
  }
}
