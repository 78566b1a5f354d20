package io.rumsessions.processor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RecentSpansTest {
  private static long span(int i) {
    return RecentSpans.hash(0x1234L, i, i * 31L + 7);
  }

  @Test
  void aSpanSeenAgainWithinTheLastHalfCapacityIsADuplicateAndSizeCountsBothTables() {
    RecentSpans recent = new RecentSpans(1000);
    for (int i = 0; i < 499; i++) assertThat(recent.seen(span(i))).isFalse();
    assertThat(recent.size()).isEqualTo(499);
    assertThat(recent.seen(span(10))).isTrue();
    // The 500th fills the newer table: it becomes the older one, and the ids in it are still known.
    assertThat(recent.seen(span(499))).isFalse();
    for (int i = 500; i < 700; i++) recent.seen(span(i));
    assertThat(recent.size()).isEqualTo(700);
    assertThat(recent.seen(span(0))).isTrue();
    assertThat(recent.seen(span(650))).isTrue();
    assertThat(recent.size()).isEqualTo(700);
  }

  @Test
  void idsOlderThanTwoGenerationsAreForgottenAndTheSizeStaysBounded() {
    RecentSpans recent = new RecentSpans(1000);
    for (int i = 0; i < 1600; i++) recent.seen(span(i));
    // Rotated at the 500th, 1000th and 1500th: 1000–1499 are the older table, 1500–1599 the newer.
    assertThat(recent.size()).isEqualTo(600);
    assertThat(recent.seen(span(1550))).isTrue();
    assertThat(recent.seen(span(1200))).isTrue();
    assertThat(recent.seen(span(700))).isFalse();
  }

  @Test
  void aSnapshotIsTheTablesAsTheyWereWhateverTheyRememberAfterIt() {
    RecentSpans recent = new RecentSpans(1000);
    for (int i = 0; i < 600; i++) recent.seen(span(i));
    RecentSpans.Snapshot snapshot = recent.snapshot();
    // Past the next rotation: the tables the snapshot copied are reused and cleared meanwhile.
    for (int i = 600; i < 1200; i++) recent.seen(span(i));
    long[] hashes = snapshot.hashes();
    assertThat(hashes).hasSize(600);
    RecentSpans restored = new RecentSpans(1000);
    restored.restore(RecentSpans.Snapshot.of(hashes));
    assertThat(restored.seen(span(599))).isTrue();
    assertThat(restored.seen(span(0))).isTrue();
    assertThat(restored.seen(span(600))).isFalse();
  }

  @Test
  void aSnapshotGivesTheOlderTablesHashesFirstWhicheverSideItIsOn() {
    RecentSpans recent = new RecentSpans(1000);
    // Rotated at the 500th and the 1000th: the sides have swapped twice, then once more.
    for (int n : new int[] {600, 1100}) {
      for (int i = n - 600; i < n; i++) recent.seen(span(i));
      long[] hashes = recent.snapshot().hashes();
      assertThat(Arrays.stream(hashes, 0, 500).boxed().toList())
          .containsExactlyInAnyOrderElementsOf(IntStream.range(n - 600, n - 100).mapToObj(i -> span(i)).toList());
      assertThat(Arrays.stream(hashes, 500, 600).boxed().toList())
          .containsExactlyInAnyOrderElementsOf(IntStream.range(n - 100, n).mapToObj(i -> span(i)).toList());
    }
  }

  @Test
  void savedHashesComeBackInTheirOrderWithTheSameSize() {
    RecentSpans recent = new RecentSpans(1000);
    for (int i = 0; i < 800; i++) recent.seen(span(i));
    RecentSpans restored = new RecentSpans(1000);
    restored.restore(recent.snapshot());
    assertThat(restored.size()).isEqualTo(recent.size());
    assertThat(restored.seen(span(799))).isTrue();
    assertThat(restored.seen(span(0))).isTrue();
  }

  @Test
  void aSnapshotOfManyPagesKeepsItsHashesWhileWritersCopyThePagesTheyChange() {
    // 40,000: two tables of 32,768 slots, interleaved in sixteen pages.
    RecentSpans recent = new RecentSpans(40_000);
    for (int i = 0; i < 25_000; i++) recent.seen(span(i));
    RecentSpans.Snapshot first = recent.snapshot();
    for (int i = 25_000; i < 30_000; i++) recent.seen(span(i));
    RecentSpans.Snapshot second = recent.snapshot();
    // Past two rotations: both tables the snapshots share are changed or cleared meanwhile.
    for (int i = 30_000; i < 75_000; i++) recent.seen(span(i));
    assertThat(java.util.Arrays.stream(first.hashes()).boxed().toList())
        .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 25_000).mapToObj(i -> span(i)).toList());
    assertThat(second.hashes()).hasSize(30_000).contains(span(29_999), span(0));
    // The live tables went on as if no snapshot had been taken.
    assertThat(recent.seen(span(74_999))).isTrue();
    assertThat(recent.seen(span(29_999))).isFalse();
  }

  @Test
  void pagesOnlyAReleasedSnapshotHeldAreWrittenIntoAgainAndTheTablesStayExact() {
    RecentSpans recent = new RecentSpans(40_000);
    RecentSpans plain = new RecentSpans(40_000);
    for (int i = 0; i < 25_000; i++) {
      recent.seen(span(i));
      plain.seen(span(i));
    }
    RecentSpans.Snapshot first = recent.snapshot();
    // Lands in the newer table's pages, which are copied: the first snapshot alone holds the originals.
    for (int i = 25_000; i < 30_000; i++) {
      recent.seen(span(i));
      plain.seen(span(i));
    }
    recent.release(first);
    RecentSpans.Snapshot second = recent.snapshot();
    Set<long[]> secondPages = identitySet(Arrays.asList(second.pages()));
    List<long[]> heldByFirstAlone = Arrays.stream(first.pages()).filter(p -> !secondPages.contains(p)).toList();
    assertThat(heldByFirstAlone).isNotEmpty();
    // Past two rotations: a cleared table the second snapshot shares takes spare pages.
    for (int i = 30_000; i < 75_000; i++) {
      recent.seen(span(i));
      plain.seen(span(i));
    }
    Set<long[]> thirdPages = identitySet(Arrays.asList(recent.snapshot().pages()));
    assertThat(heldByFirstAlone).anyMatch(thirdPages::contains);
    // The second snapshot, not released, kept its hashes while its pages were copied or replaced.
    assertThat(Arrays.stream(second.hashes()).boxed().toList())
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 30_000).mapToObj(i -> span(i)).toList());
    // And the live tables answer as tables that were never shared do.
    for (int i = 0; i < 80_000; i += 7) assertThat(recent.seen(span(i))).as("span %d", i).isEqualTo(plain.seen(span(i)));
  }

  private static Set<long[]> identitySet(List<long[]> pages) {
    Set<long[]> set = Collections.newSetFromMap(new IdentityHashMap<>());
    set.addAll(pages);
    return set;
  }
}
