package io.rumsessions.processor.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
  final ClientAddress resolver = new ClientAddress(List.of("10.0.0.0/8", "fd00::/8"));

  @Test
  void theTcpPeerCountsWhenItIsNotATrustedProxy() {
    assertThat(resolver.resolve("198.51.100.4", "203.0.113.9", null)).isEqualTo("198.51.100.4");
    assertThat(new ClientAddress(List.of()).resolve("10.0.0.1", "203.0.113.9", null)).isEqualTo("10.0.0.1");
  }

  @Test
  void behindTrustedProxiesTheNearestUntrustedHopCounts() {
    assertThat(resolver.resolve("10.0.0.1", "192.0.2.66, 203.0.113.9, 10.0.0.7", null)).isEqualTo("203.0.113.9");
  }

  @Test
  void theForwardedHeaderIsReadWithPortsQuotesAndBrackets() {
    assertThat(resolver.resolve("10.0.0.1", null, "for=192.0.2.60;proto=http, for=\"[2001:db8::17]:4711\"")).isEqualTo("2001:db8::17");
    assertThat(resolver.resolve("10.0.0.1", null, "for=203.0.113.9:8080")).isEqualTo("203.0.113.9");
  }

  @Test
  void aTrustedPeerWithoutHeadersIsTheAddress() {
    assertThat(resolver.resolve("10.0.0.1", null, null)).isEqualTo("10.0.0.1");
  }
}
