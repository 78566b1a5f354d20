package io.rumsessions.processor.durability;

import io.rumsessions.processor.attribution.LastNonDirect;
import io.rumsessions.processor.ingest.RecentSpans;
import io.rumsessions.processor.metrics.SavedMetrics;
import io.rumsessions.processor.session.StoredSession;
import java.util.List;

/**
 * The whole recoverable state at one position of the state log: replay starts after {@code
 * position}. Taken under the state lock, so every part describes the same moment.
 *
 * @param visitors the visitor sketches as {@code UniqueVisitors.write} wrote them; null when
 *     visitors are not counted
 * @param recentSpans the recently seen span hashes: the tables' pages when written, read back as one
 * @param lastNonDirect the visitors' last non-direct attributions, least recently remembered first
 */
public record Checkpoint(long position, java.util.Collection<StoredSession> sessions, SavedMetrics metrics, byte[] visitors,
    RecentSpans.Snapshot recentSpans, List<LastNonDirect.Entry> lastNonDirect) {}
