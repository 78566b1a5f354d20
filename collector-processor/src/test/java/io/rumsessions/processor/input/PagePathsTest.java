package io.rumsessions.processor.input;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PagePathsTest {
  @Test
  void equalPathsShareOneCopy() {
    PagePaths paths = new PagePaths(64);
    String first = paths.share(new String("/products/42"));
    String again = paths.share(new String("/products/42"));
    assertThat(again).isSameAs(first);
    assertThat(paths.share(null)).isNull();
  }

  @Test
  void aBoundedTableGivesBackEqualPathsWhenSlotsCollide() {
    PagePaths paths = new PagePaths(2);
    for (int i = 0; i < 1000; i++) {
      String p = "/p/" + i;
      assertThat(paths.share(new String(p))).isEqualTo(p);
    }
  }
}
