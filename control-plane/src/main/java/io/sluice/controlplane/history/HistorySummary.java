package io.sluice.controlplane.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A history entry without its document, for a history page read with {@code ?documents=false}: a
 * list of who changed what and when costs a few hundred bytes per entry instead of a whole rule
 * document (up to 256 KiB) each. The web UI's History tab reads it so on every change and fetches
 * one entry's document when it is compared. The fields are {@link HistoryEntry}'s.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record HistorySummary(
    long revision,
    String service,
    HistoryAction action,
    String author,
    Instant time,
    String comment,
    Long rollbackOf) {

  /** {@code entry} without its document. */
  static HistorySummary of(HistoryEntry entry) {
    return new HistorySummary(
        entry.revision(),
        entry.service(),
        entry.action(),
        entry.author(),
        entry.time(),
        entry.comment(),
        entry.rollbackOf());
  }
}
