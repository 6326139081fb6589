package io.sluice.controlplane.history;

import java.util.List;

/**
 * One page of history, newest first.
 *
 * @param entries the entries
 * @param next pass as {@code before} to get the next (older) page; {@code null} on the last page
 */
public record HistoryPage(List<HistoryEntry> entries, Long next) {}
