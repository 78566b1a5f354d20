package io.rumsessions.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReplayWorkloadTest {
  private static final Pattern IDS = Pattern.compile("\"(traceId|spanId|parentSpanId)\":\"([0-9a-f]+)\"");

  private final List<Payloads.Payload> pool = ReplayWorkload.load(BenchOptions.defaultRoot(), System.currentTimeMillis());

  @Test
  void everyCapturedRequestIsReplayedWithItsHeadersAndABodyOfTheDeclaredLength() {
    assertThat(pool).hasSize(6);
    assertThat(pool.stream().mapToInt(Payloads.Payload::spans).sum()).isEqualTo(16);
    for (Payloads.Payload p : pool) {
      String request = new String(p.bytes(), StandardCharsets.UTF_8);
      int split = request.indexOf("\r\n\r\n");
      String head = request.substring(0, split);
      String body = request.substring(split + 4);
      assertThat(head).startsWith("POST /v1/traces HTTP/1.1\r\n").contains("\r\nOrigin: http://127.0.0.1:20453", "\r\nUser-Agent: Mozilla/5.0");
      assertThat(head).contains("\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
      assertThat(body).contains("{\"key\":\"consent.analytics\",\"value\":{\"stringValue\":\"granted\"}}");
    }
  }

  @Test
  void eachSendHasFreshIdsAndAVisitorKeepsItsSessionWithinAPass() {
    Set<String> spanIds = new HashSet<>();
    Set<String> earlierTraces = new HashSet<>();
    for (int generation = 0; generation < 3; generation++) {
      Set<String> sessions = new HashSet<>();
      Set<String> traces = new HashSet<>();
      for (Payloads.Payload p : pool) {
        String request = new String(p.forGeneration((1 << 24) + generation), StandardCharsets.UTF_8);
        Matcher m = IDS.matcher(request);
        while (m.find()) {
          if (m.group(1).equals("spanId")) assertThat(spanIds.add(m.group(2))).as("fresh " + m.group()).isTrue();
          if (m.group(1).equals("traceId")) traces.add(m.group(2));
        }
        Matcher s = Pattern.compile("\"session.id\",\"value\":\\{\"stringValue\":\"([0-9a-f]{32})\"").matcher(request);
        while (s.find()) sessions.add(s.group(1));
      }
      assertThat(traces).isNotEmpty().allMatch(t -> !earlierTraces.contains(t));
      earlierTraces.addAll(traces);
      // Three visitors, as captured.
      assertThat(sessions).hasSize(3);
      String prefix = String.format("%08x", (1 << 24) + generation);
      assertThat(sessions).allMatch(id -> id.startsWith(prefix));
    }
  }

  @Test
  void timestampsEndAMinuteAgo() {
    long now = System.currentTimeMillis() * 1_000_000L;
    Matcher m = Pattern.compile("UnixNano\":\"(\\d+)\"").matcher(new String(pool.get(0).bytes(), StandardCharsets.UTF_8));
    assertThat(m.find()).isTrue();
    long t = Long.parseLong(m.group(1));
    assertThat(now - t).isBetween(60_000_000_000L, 3_600_000_000_000L);
  }
}
