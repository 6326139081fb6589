package io.sluice.controlplane.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * One past version of a service's rules, stored under {@code {ns}/v1/history/{service}/{revision}}
 * and answered by the history API.
 *
 * @param revision the etcd revision of the change (the document's mod revision after it)
 * @param service the service
 * @param action what the change did
 * @param author the name of the token that made the change
 * @param time when the control plane made the change
 * @param comment the {@code X-Sluice-Comment} header of the change, or {@code null}
 * @param rollbackOf for a rollback, the revision that was made current again; otherwise {@code
 *     null}
 * @param document the document after the change (canonical form), or {@code null} after a delete
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record HistoryEntry(
    long revision,
    String service,
    HistoryAction action,
    String author,
    Instant time,
    String comment,
    Long rollbackOf,
    JsonNode document) {

  public HistoryEntry {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(time, "time");
    document = document == null || document.isNull() || document.isMissingNode() ? null : document;
  }

  /** The same entry at another revision. */
  public HistoryEntry withRevision(long newRevision) {
    return new HistoryEntry(
        newRevision, service, action, author, time, comment, rollbackOf, document);
  }
}
