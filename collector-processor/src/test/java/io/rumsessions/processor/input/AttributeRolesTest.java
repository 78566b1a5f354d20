package io.rumsessions.processor.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AttributeRolesTest {
  private static int code(AttributeRoles roles, String name) {
    // The name inside a larger buffer, as a key sits in a request.
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    byte[] buf = new byte[utf8.length + 20];
    java.util.Arrays.fill(buf, (byte) 'x');
    System.arraycopy(utf8, 0, buf, 7, utf8.length);
    return roles.code(buf, 7, utf8.length);
  }

  @Test
  void namesFromTheirBytesFindTheirOwnRoleEvenWhenLengthAndBothEndsAgree() {
    AttributeRoles roles = new AttributeRoles();
    // Same length, same first and same last eight bytes: the same hash, told apart by the bytes.
    roles.putIfAbsent("aaaaaaaaXbbbbbbbb", 1);
    roles.putIfAbsent("aaaaaaaaYbbbbbbbb", 2);
    roles.putIfAbsent("url.full", 3);
    roles.putIfAbsent("ua", 4);
    roles.putIfAbsent("", 5);
    roles.putIfAbsent("user_agent.original", 6);
    assertThat(code(roles, "aaaaaaaaXbbbbbbbb")).isEqualTo(1);
    assertThat(code(roles, "aaaaaaaaYbbbbbbbb")).isEqualTo(2);
    assertThat(code(roles, "aaaaaaaaZbbbbbbbb")).isEqualTo(AttributeRoles.NONE);
    assertThat(code(roles, "url.full")).isEqualTo(3);
    assertThat(code(roles, "url.fulL")).isEqualTo(AttributeRoles.NONE);
    assertThat(code(roles, "ua")).isEqualTo(4);
    assertThat(code(roles, "ub")).isEqualTo(AttributeRoles.NONE);
    assertThat(code(roles, "")).isEqualTo(5);
    assertThat(code(roles, "user_agent.original")).isEqualTo(6);
    assertThat(code(roles, "user_agent.originaL")).isEqualTo(AttributeRoles.NONE);
    // The first list to name an attribute keeps it.
    roles.putIfAbsent("url.full", 9);
    assertThat(code(roles, "url.full")).isEqualTo(3);
    assertThat(roles.code("url.full")).isEqualTo(3);
  }
}
