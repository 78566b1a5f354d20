package io.rumsessions.rules.bots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrSetTest {

  @Test
  void ipv4RangeContainsItsFirstAndLastAddressOnly() {
    CidrSet set = CidrSet.of("192.0.2.0/24");
    assertThat(set.contains("192.0.2.0")).isTrue();
    assertThat(set.contains("192.0.2.255")).isTrue();
    assertThat(set.contains("192.0.1.255")).isFalse();
    assertThat(set.contains("192.0.3.0")).isFalse();
  }

  @Test
  void bareAddressIsASingleHost() {
    CidrSet set = CidrSet.of("203.0.113.7", "2001:db8::7");
    assertThat(set.contains("203.0.113.7")).isTrue();
    assertThat(set.contains("203.0.113.8")).isFalse();
    assertThat(set.contains("2001:db8::7")).isTrue();
    assertThat(set.contains("2001:db8::8")).isFalse();
  }

  @Test
  void zeroPrefixContainsEverythingOfItsFamily() {
    assertThat(CidrSet.of("0.0.0.0/0").contains("255.255.255.255")).isTrue();
    assertThat(CidrSet.of("0.0.0.0/0").contains("::1")).isFalse();
    assertThat(CidrSet.of("::/0").contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
  }

  @Test
  void ipv6RangesAcrossThe64BitBoundary() {
    CidrSet set = CidrSet.of("2001:db8:0:0:8000::/65", "2001:db8:1::/48");
    assertThat(set.contains("2001:db8::8000:0:0:1")).isTrue();
    assertThat(set.contains("2001:db8::7fff:ffff:ffff:ffff")).isFalse();
    assertThat(set.contains("2001:db8:1:ffff:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(set.contains("2001:db8:2::")).isFalse();
  }

  @Test
  void ipv6TextFormsAreEquivalent() {
    CidrSet set = CidrSet.of("2001:db8::/32");
    assertThat(set.contains("2001:0db8:0000:0000:0000:0000:0000:0001")).isTrue();
    assertThat(set.contains("2001:DB8::1")).isTrue();
    assertThat(set.contains("[2001:db8::1]")).isTrue();
    assertThat(set.contains("2001:db8::1%eth0")).isTrue();
    assertThat(set.contains("2001:db8::192.0.2.1")).isTrue();
  }

  @Test
  void ipv4MappedIpv6AddressMatchesIpv4Range() {
    CidrSet set = CidrSet.of("10.0.0.0/8");
    assertThat(set.contains("::ffff:10.1.2.3")).isTrue();
    assertThat(set.contains("::ffff:a01:203")).isTrue();
    assertThat(set.contains("::ffff:11.1.2.3")).isFalse();
  }

  @Test
  void overlappingAndAdjacentRangesAreMerged() {
    CidrSet set = CidrSet.of("10.0.0.0/25", "10.0.0.128/25", "10.0.0.0/24", "10.0.1.0/24");
    assertThat(set.contains("10.0.0.127")).isTrue();
    assertThat(set.contains("10.0.0.128")).isTrue();
    assertThat(set.contains("10.0.1.255")).isTrue();
    assertThat(set.contains("10.0.2.0")).isFalse();
    assertThat(set.entries()).hasSize(4);
  }

  @Test
  void inetAddressesAreSupportedWithoutResolving() throws Exception {
    CidrSet set = CidrSet.of("198.51.100.0/24", "2001:db8::/32");
    assertThat(set.contains(InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 9}))).isTrue();
    assertThat(set.contains(InetAddress.getByName("2001:db8::5"))).isTrue();
    assertThat(set.contains((InetAddress) null)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
      "1.2.3.4.", "::1::", "2001:db8:::1", "12345::", "1:2:3:4:5:6:7:8:9", "gggg::"})
  void nonAddressesAreNotContained(String address) {
    assertThat(CidrSet.of("0.0.0.0/0", "::/0").contains(address)).isFalse();
  }

  @Test
  void nullAddressIsNotContained() {
    assertThat(CidrSet.of("0.0.0.0/0").contains((String) null)).isFalse();
  }

  @Test
  void blankEntriesAndCommentsAreSkipped() {
    CidrSet set = CidrSet.parse(List.of("# crawlers", "", "  192.0.2.0/24  "));
    assertThat(set.entries()).containsExactly("192.0.2.0/24");
  }

  @Test
  void emptySetContainsNothing() {
    assertThat(CidrSet.empty().isEmpty()).isTrue();
    assertThat(CidrSet.empty().contains("127.0.0.1")).isFalse();
  }

  @Test
  void hostBitsBelowThePrefixAreRejectedWithTheNetworkNamed() {
    assertThatThrownBy(() -> CidrSet.of("10.1.2.3/8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'10.1.2.3/8'")
        .hasMessageContaining("10.0.0.0/8");
    assertThatThrownBy(() -> CidrSet.of("2001:db8::1/32"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host bits");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1",
      "300.0.0.0/8", "example.com/24", "2001:db8::g/32", "10.0.0.0/8/8"})
  void badEntriesAreRejectedNamingTheEntry(String entry) {
    assertThatThrownBy(() -> CidrSet.of(entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(entry);
  }
}
