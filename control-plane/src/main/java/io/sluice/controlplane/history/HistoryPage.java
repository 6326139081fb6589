package io.sluice.controlplane.history;

import java.util.List;

/**
 * One page of history, newest first.
 *
 * @param entries the entries: {@link HistoryEntry}, or {@link HistorySummary} without documents
 * @param next pass as {@code before} to get the next (older) page; {@code null} on the last page
 * @param <E> the type of the entries
 */
public record HistoryPage<E>(List<E> entries, Long next) {

  /** This page with its entries' documents left out. */
  static HistoryPage<HistorySummary> withoutDocuments(HistoryPage<HistoryEntry> page) {
    return new HistoryPage<>(page.entries().stream().map(HistorySummary::of).toList(), page.next());
  }
}
