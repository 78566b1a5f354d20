package io.rumsessions.processor.session;

import io.rumsessions.processor.attribution.Attribution;
import static org.assertj.core.api.Assertions.assertThat;

import io.rumsessions.processor.config.ConfigLoader;
import io.rumsessions.processor.config.SessionConfig;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionStoreTest {
  static final long S = 1_000_000_000L;
  static final long MIN = 60 * S;
  /** 2026-11-28T10:00:00Z */
  static final long T0 = 1_795_860_000L * S;
  static final long ARRIVAL0 = 1_795_860_000_000L;

  final List<SessionSummary> ended = new ArrayList<>();
  final List<String> started = new ArrayList<>();
  final List<String> evicted = new ArrayList<>();
  final List<String> bots = new ArrayList<>();
  final SessionListener listener = new SessionListener() {
    @Override
    public void started(String service, String sessionId, String device, Attribution attribution) {
      started.add(sessionId);
    }

    @Override
    public void ended(SessionSummary summary) {
      ended.add(summary);
    }

    @Override
    public void evicted(String service) {
      evicted.add(service);
    }

    @Override
    public void botSession(String service, String reason, boolean wasCounted) {
      bots.add(reason + (wasCounted ? ":reclassified" : ""));
    }
  };
  final Assignment out = new Assignment();
  final SessionKey key = new SessionKey("shop", "abc");

  static SessionConfig config(Map<String, String> overrides) {
    return ConfigLoader.load(null, overrides).session();
  }

  SessionStore store() {
    return new SessionStore(config(Map.of()), listener);
  }

  void span(SessionStore store, SessionKey k, long t, boolean pageview, long arrivalMillis) {
    store.record(k, new SessionEvent().set(t, pageview, false, pageview ? "/p" : null).labels("desktop", Attribution.direct()), arrivalMillis, out);
  }

  @Test
  void sessionContinuesAtExactlyTheTimeout() {
    SessionStore store = store();
    span(store, key, T0, true, ARRIVAL0);
    span(store, key, T0 + 30 * MIN, true, ARRIVAL0 + 1);
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.ACCEPTED);
    assertThat(out.sessionId()).isEqualTo("abc");
    assertThat(out.sequence()).isEqualTo(2);
    assertThat(started).containsExactly("abc");
    assertThat(ended).isEmpty();
  }

  @Test
  void oneNanosecondPastTheTimeoutStartsANewSession() {
    SessionStore store = store();
    span(store, key, T0, true, ARRIVAL0);
    span(store, key, T0 + 30 * MIN + 1, true, ARRIVAL0 + 1);
    assertThat(out.sessionId()).isEqualTo("abc-1");
    assertThat(started).containsExactly("abc", "abc-1");
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.endReason()).isEqualTo(EndReason.TIMEOUT_SPLIT);
      assertThat(s.durationSeconds()).isZero();
      assertThat(s.pageviews()).isEqualTo(1);
    });
  }

  @Test
  void outOfOrderSpansExtendTheSessionBackwardsWithoutNegativeDuration() {
    SessionStore store = store();
    span(store, key, T0 + 10 * MIN, true, ARRIVAL0);
    span(store, key, T0, true, ARRIVAL0 + 1000);
    span(store, key, T0 + 5 * MIN, false, ARRIVAL0 + 2000);
    assertThat(started).hasSize(1);
    store.sweep(ARRIVAL0 + 2000 + Duration.ofMinutes(32).toMillis());
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.durationSeconds()).isEqualTo(600.0);
      assertThat(s.pageviews()).isEqualTo(2);
      assertThat(s.spans()).isEqualTo(3);
      assertThat(s.endReason()).isEqualTo(EndReason.INACTIVITY);
    });
  }

  @Test
  void aLateSpanInsideAnEndedSessionIsLateAndStartsNothing() {
    SessionStore store = store();
    span(store, key, T0, true, ARRIVAL0);
    span(store, key, T0 + 5 * MIN, true, ARRIVAL0 + 1000);
    store.sweep(ARRIVAL0 + Duration.ofMinutes(40).toMillis());
    assertThat(ended).hasSize(1);
    span(store, key, T0 + 2 * MIN, false, ARRIVAL0 + Duration.ofMinutes(41).toMillis());
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.LATE);
    assertThat(out.sessionId()).isEqualTo("abc");
    assertThat(started).hasSize(1);
    assertThat(store.activeCount()).isZero();
  }

  @Test
  void aSpanFarBeforeTheCurrentSessionIsLate() {
    SessionStore store = store();
    span(store, key, T0 + 120 * MIN, true, ARRIVAL0);
    span(store, key, T0, true, ARRIVAL0 + 1);
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.LATE);
    assertThat(started).hasSize(1);
  }

  @Test
  void aSpanAfterAnEndedSessionAndBeyondTheTimeoutStartsTheNextGeneration() {
    SessionStore store = store();
    span(store, key, T0, true, ARRIVAL0);
    store.sweep(ARRIVAL0 + Duration.ofMinutes(40).toMillis());
    span(store, key, T0 + 45 * MIN, true, ARRIVAL0 + Duration.ofMinutes(45).toMillis());
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.ACCEPTED);
    assertThat(out.sessionId()).isEqualTo("abc-1");
  }

  @Test
  void sweeperClosesOnlyAfterTimeoutPlusAllowedLateness() {
    SessionStore store = store();
    span(store, key, T0, true, ARRIVAL0);
    store.sweep(ARRIVAL0 + Duration.ofMinutes(32).toMillis() - 1);
    assertThat(ended).isEmpty();
    store.sweep(ARRIVAL0 + Duration.ofMinutes(32).toMillis());
    assertThat(ended).hasSize(1);
  }

  @Test
  void midnightSplitInTheSiteTimeZone() {
    SessionStore store = new SessionStore(config(Map.of("session.split-at-midnight", "true",
        "session.time-zone", "Europe/Berlin")), listener);
    // 22:50 UTC is 23:50 in Berlin (CET); 23:05 UTC is 00:05 the next day there.
    long beforeMidnight = java.time.ZonedDateTime.of(2026, 11, 28, 23, 50, 0, 0, ZoneId.of("Europe/Berlin")).toEpochSecond() * S;
    span(store, key, beforeMidnight, true, ARRIVAL0);
    span(store, key, beforeMidnight + 15 * MIN, true, ARRIVAL0 + 1);
    assertThat(ended).singleElement().extracting(SessionSummary::endReason).isEqualTo(EndReason.MIDNIGHT);
    assertThat(out.sessionId()).isEqualTo("abc-1");
  }

  @Test
  void noMidnightSplitByDefault() {
    SessionStore store = store();
    long beforeMidnight = java.time.ZonedDateTime.of(2026, 11, 28, 23, 50, 0, 0, ZoneId.of("UTC")).toEpochSecond() * S;
    span(store, key, beforeMidnight, true, ARRIVAL0);
    span(store, key, beforeMidnight + 15 * MIN, true, ARRIVAL0 + 1);
    assertThat(ended).isEmpty();
  }

  @Test
  void maximumLengthSplitsAContinuousSession() {
    SessionStore store = new SessionStore(config(Map.of("session.max-length", "1h")), listener);
    for (int i = 0; i <= 6; i++) {
      span(store, key, T0 + i * 10 * MIN, false, ARRIVAL0 + i);
    }
    assertThat(ended).isEmpty();
    span(store, key, T0 + 61 * MIN, false, ARRIVAL0 + 10);
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.endReason()).isEqualTo(EndReason.MAX_LENGTH);
      assertThat(s.durationSeconds()).isEqualTo(3600.0);
    });
  }

  @Test
  void capEvictsTheLeastRecentlyActiveSessionAndCountsIt() {
    SessionStore store = new SessionStore(config(Map.of("session.max-active", "32")), listener);
    assertThat(store.capacity()).isEqualTo(32);
    for (int i = 0; i < 10_000; i++) {
      span(store, new SessionKey("shop", "id-" + i), T0, true, ARRIVAL0 + i);
    }
    assertThat(store.activeCount()).isLessThanOrEqualTo(32);
    assertThat(evicted).hasSize(started.size() - store.activeCount());
    assertThat(ended).allSatisfy(s -> assertThat(s.endReason()).isEqualTo(EndReason.EVICTED));
  }

  @Test
  void rejectNewPolicyKeepsExistingSessions() {
    SessionStore store = new SessionStore(config(Map.of("session.max-active", "32", "session.on-limit", "reject-new")), listener);
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
      span(store, new SessionKey("shop", "id-" + i), T0, true, ARRIVAL0 + i);
      if (out.outcome() == Assignment.Outcome.SESSION_LIMIT) refused++;
    }
    assertThat(store.activeCount()).isLessThanOrEqualTo(32);
    assertThat(refused).isEqualTo(1000 - store.activeCount());
    assertThat(ended).isEmpty();
  }

  @Test
  void snapshotRestoresActiveSessionsWithoutCountingTheirStartAgain() {
    SessionStore first = store();
    span(first, key, T0, true, ARRIVAL0);
    span(first, key, T0 + MIN, true, ARRIVAL0 + 1);
    List<StoredSession> saved = first.snapshot();

    List<String> restored = new ArrayList<>();
    SessionStore second = new SessionStore(config(Map.of()), new SessionListener() {
      @Override
      public void started(String service, String sessionId, String device, Attribution attribution) {
        started.add("again:" + sessionId);
      }

      @Override
      public void ended(SessionSummary summary) {
        ended.add(summary);
      }

      @Override
      public void restored(String service, int count) {
        for (int i = 0; i < count; i++) restored.add(service);
      }
    });
    second.restore(saved);
    assertThat(restored).containsExactly("shop");
    span(second, key, T0 + 2 * MIN, true, ARRIVAL0 + 2);
    assertThat(out.sequence()).isEqualTo(3);
    assertThat(started).containsExactly("abc");
    second.sweep(ARRIVAL0 + Duration.ofHours(1).toMillis());
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.pageviews()).isEqualTo(3);
      assertThat(s.durationSeconds()).isEqualTo(120.0);
      assertThat(s.device()).isEqualTo("desktop");
    });
  }

  @Test
  void landingAndExitPagesFollowEventTimeNotArrival() {
    SessionStore store = store();
    store.record(key, new SessionEvent().set(T0 + MIN, true, false, "/second").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    store.record(key, new SessionEvent().set(T0, true, false, "/first").labels("desktop", Attribution.direct()), ARRIVAL0 + 1, out);
    store.sweep(ARRIVAL0 + Duration.ofHours(1).toMillis());
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.landingPage()).isEqualTo("/first");
      assertThat(s.exitPage()).isEqualTo("/second");
    });
  }

  SessionStore storeWithBots() {
    return new SessionStore(config(Map.of()), new SessionListener() {
      @Override
      public void started(String service, String sessionId, String device, Attribution attribution) {
        started.add(sessionId + ":" + device);
      }

      @Override
      public void ended(SessionSummary summary) {
        ended.add(summary);
      }

      @Override
      public void botSession(String service, String reason, boolean wasCounted) {
        bots.add(reason + (wasCounted ? ":reclassified" : ""));
      }
    });
  }

  @Test
  void aSessionIsCountedOnceASpanWithAUserAgentShowsItIsHuman() {
    SessionStore store = storeWithBots();
    store.record(key, new SessionEvent().set(T0, false, false, null).labels(null, Attribution.direct()), ARRIVAL0, out);
    assertThat(started).isEmpty();
    store.record(key, new SessionEvent().set(T0 + 1, true, false, "/").labels("mobile", Attribution.direct()), ARRIVAL0, out);
    assertThat(started).containsExactly("abc:mobile");
  }

  @Test
  void aBotFoundBeforeTheSessionIsCountedIsNeverCounted() {
    SessionStore store = storeWithBots();
    store.record(key, new SessionEvent().set(T0, false, false, null).labels(null, Attribution.direct()), ARRIVAL0, out);
    store.record(key, new SessionEvent().set(T0 + 1, true, false, "/").labels("bot", Attribution.direct()).bot("user_agent_automation"), ARRIVAL0, out);
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.BOT);
    assertThat(out.botReason()).isEqualTo("user_agent_automation");
    store.record(key, new SessionEvent().set(T0 + 2, true, false, "/").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.BOT);
    store.sweep(ARRIVAL0 + Duration.ofHours(1).toMillis());
    assertThat(started).isEmpty();
    assertThat(ended).isEmpty();
    assertThat(bots).containsExactly("user_agent_automation");
  }

  @Test
  void aBotFoundAfterTheSessionWasCountedIsReclassifiedAndNeverEnds() {
    SessionStore store = storeWithBots();
    store.record(key, new SessionEvent().set(T0, true, false, "/").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    store.record(key, new SessionEvent().set(T0 + 1, false, false, null).labels("desktop", Attribution.direct()).bot("automation_flag"), ARRIVAL0, out);
    store.sweep(ARRIVAL0 + Duration.ofHours(1).toMillis());
    assertThat(started).containsExactly("abc:desktop");
    assertThat(bots).containsExactly("automation_flag:reclassified");
    assertThat(ended).isEmpty();
  }

  @Test
  void aSessionThatNeverShowedAUserAgentCountsAsHumanWithUnknownDeviceWhenItEnds() {
    SessionStore store = storeWithBots();
    store.record(key, new SessionEvent().set(T0, true, false, "/").labels(null, Attribution.direct()), ARRIVAL0, out);
    store.sweep(ARRIVAL0 + Duration.ofHours(1).toMillis());
    assertThat(started).containsExactly("abc:other");
    assertThat(ended).singleElement().extracting(SessionSummary::device).isEqualTo("other");
  }

  @Test
  void aMillionDistinctSessionIdsStayWithinTheCap() {
    SessionStore store = new SessionStore(config(Map.of("session.max-active", "10000")), listener);
    for (int i = 0; i < 1_000_000; i++) {
      store.record(new SessionKey("shop", Integer.toHexString(i)), new SessionEvent().set(T0, true, false, "/").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    }
    assertThat(store.activeCount()).isLessThanOrEqualTo((int) store.capacity());
    assertThat(store.snapshot()).hasSizeLessThanOrEqualTo(2 * (int) store.capacity());
    assertThat(evicted).hasSize(1_000_000 - store.activeCount());
  }

  @Test
  void dozensOfPageviewsASecondMakeABotByBehaviourAndTheSessionIsReclassified() {
    SessionStore store = new SessionStore(config(Map.of()), listener,
        new io.rumsessions.processor.bots.BehaviourRule(ConfigLoader.load(null, Map.of()).bots().behaviour()));
    for (int i = 0; i < 19; i++) {
      store.record(key, new SessionEvent().set(T0 + i * 10_000_000L, true, false, "/p" + i).labels("desktop", Attribution.direct()), ARRIVAL0, out);
    }
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.ACCEPTED);
    store.record(key, new SessionEvent().set(T0 + 19 * 10_000_000L, true, false, "/p19").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    assertThat(out.outcome()).isEqualTo(Assignment.Outcome.BOT);
    assertThat(bots).containsExactly("behaviour:reclassified");
    store.sweep(ARRIVAL0 + Duration.ofHours(1).toMillis());
    assertThat(ended).isEmpty();
  }

  @Test
  void aHumanReadingTwentyPagesOverMinutesIsNotABot() {
    SessionStore store = new SessionStore(config(Map.of()), listener,
        new io.rumsessions.processor.bots.BehaviourRule(ConfigLoader.load(null, Map.of()).bots().behaviour()));
    for (int i = 0; i < 40; i++) {
      store.record(key, new SessionEvent().set(T0 + i * 20 * S, true, false, "/p" + i).labels("desktop", Attribution.direct()), ARRIVAL0, out);
      assertThat(out.outcome()).isEqualTo(Assignment.Outcome.ACCEPTED);
    }
  }

  static Attribution campaign(String source, String campaign) {
    return new Attribution(source, "cpc", campaign, Attribution.NOT_SET, Attribution.NOT_SET, io.rumsessions.processor.attribution.Channel.PAID_SEARCH);
  }

  @Test
  void aNewCampaignSplitsTheSessionOnlyWhenConfigured() {
    SessionStore plain = store();
    plain.record(key, new SessionEvent().set(T0, true, false, "/").labels("desktop", campaign("google", "spring")), ARRIVAL0, out);
    plain.record(key, new SessionEvent().set(T0 + MIN, true, false, "/").labels("desktop", campaign("bing", "autumn")), ARRIVAL0, out);
    assertThat(ended).isEmpty();

    SessionStore splitting = new SessionStore(config(Map.of("session.split-on-campaign-change", "true")), listener);
    SessionKey other = new SessionKey("shop", "other");
    splitting.record(other, new SessionEvent().set(T0, true, false, "/").labels("desktop", campaign("google", "spring")), ARRIVAL0, out);
    splitting.record(other, new SessionEvent().set(T0 + MIN, true, false, "/").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    assertThat(ended).isEmpty();
    splitting.record(other, new SessionEvent().set(T0 + 2 * MIN, true, false, "/").labels("desktop", campaign("bing", "autumn")), ARRIVAL0, out);
    assertThat(ended).singleElement().extracting(SessionSummary::endReason).isEqualTo(EndReason.CAMPAIGN_CHANGE);
    assertThat(out.sessionId()).isEqualTo("other-1");
  }

  @Test
  void backendRequestsCountOnTheSessionTheirBrowserSpanNamedUntilItsKeyIsForgotten() {
    SessionStore store = new SessionStore(config(Map.of("session.max-active", "32")), listener);
    SessionKey hex = new SessionKey("shop", "4bf92f3577b34da6a3ce929d0e0e4736");
    span(store, hex, T0, true, ARRIVAL0);
    long handle = out.sessionHandle();
    assertThat(handle).isNotZero();
    assertThat(store.recordBackend(handle, false)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(store.recordBackend(handle, true)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    // A timeout split keeps the key's place: the handle now names the next session.
    span(store, hex, T0 + 31 * MIN, true, ARRIVAL0 + 1);
    assertThat(out.sessionHandle()).isEqualTo(handle);
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.backendRequests()).isEqualTo(2);
      assertThat(s.backendErrors()).isEqualTo(1);
    });
    assertThat(store.recordBackend(handle, false)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736-1");
    // Ended: no open session under the key.
    store.sweep(ARRIVAL0 + 40 * 60_000L);
    assertThat(store.recordBackend(handle, false)).isNull();
    assertThat(ended.get(1).backendRequests()).isEqualTo(1);
    // Forgotten, and its place taken by other keys: the old handle names none of them.
    store.sweep(ARRIVAL0 + 80 * 60_000L);
    for (int i = 0; i < 64; i++) span(store, new SessionKey("shop", "k" + i), T0 + 90 * MIN, true, ARRIVAL0 + 80 * 60_000L);
    assertThat(store.recordBackend(handle, false)).isNull();
    assertThat(store.recordBackend(0, false)).isNull();
  }

  @Test
  void aBotSessionTakesNoBackendRequests() {
    SessionStore store = store();
    store.record(key, new SessionEvent().set(T0, true, false, "/").labels("desktop", Attribution.direct()), ARRIVAL0, out);
    long handle = out.sessionHandle();
    store.record(key, new SessionEvent().set(T0 + S, true, false, "/").labels("desktop", Attribution.direct()).bot("user_agent"), ARRIVAL0, out);
    assertThat(store.recordBackend(handle, false)).isNull();
  }

  @Test
  void sessionIdsOfEveryKeyShapeComeBackAsTheyWentIn() {
    SessionStore store = store();
    List<String> ids = List.of("4bf92f3577b34da6a3ce929d0e0e4736", "4BF92F3577B34DA6A3CE929D0E0E4736",
        "00000000000000000000000000000000", "ffffffffffffffffffffffffffffffff", "4bf92f3577b34da6a3ce929d0e0e473", "faro-1a2b", "");
    for (String id : ids) span(store, new SessionKey("shop", id), T0, true, ARRIVAL0);
    store.sweep(ARRIVAL0 + 40 * 60_000L);
    assertThat(ended).extracting(SessionSummary::sessionId).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(store.snapshot()).extracting(StoredSession::keyId).containsExactlyInAnyOrderElementsOf(ids);
  }
}
