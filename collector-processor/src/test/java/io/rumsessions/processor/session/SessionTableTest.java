package io.rumsessions.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SessionTableTest {
  /** What the store relies on for its memory figure: web SDK session ids and cookie-free ids are numbers. */
  @Test
  void keysOf32LowercaseHexDigitsAreStoredAsTwoLongs() {
    SessionTable.Key k = new SessionTable.Key().of("shop", 0, "4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(k.packed).isTrue();
    assertThat(k.high).isEqualTo(0x4bf92f3577b34da6L);
    assertThat(k.low).isEqualTo(0xa3ce929d0e0e4736L);
    assertThat(new SessionTable.Key().of("shop", 0, "ffffffffffffffff0000000000000000").high).isEqualTo(-1L);
    for (String text : new String[] {"4BF92F3577B34DA6A3CE929D0E0E4736", "4bf92f3577b34da6a3ce929d0e0e473",
        "4bf92f3577b34da6a3ce929d0e0e47361", "4bf92f3577b34da6a3ce929d0e0e473g", "g bf92f3577b34da6a3ce929d0e0e473",
        "4bf92f3577b34da6\u00e93ce929d0e0e473", "faro-1a2b", ""}) {
      assertThat(new SessionTable.Key().of("shop", 0, text).packed).as(text).isFalse();
    }
  }

  @Test
  void aPackedKeyComesBackAsItsText() {
    SessionTable t = new SessionTable();
    SessionTable.Key k = new SessionTable.Key().of("shop", 0, "00a0000000000000f00000000000000b");
    int slot = t.add(k);
    assertThat(t.keyId(slot)).isEqualTo("00a0000000000000f00000000000000b");
    assertThat(t.find(new SessionTable.Key().of("shop", 0, "00a0000000000000f00000000000000b"))).isEqualTo(slot);
    assertThat(t.find(new SessionTable.Key().of("shop", 1, "00a0000000000000f00000000000000b"))).isEqualTo(-1);
  }
}
