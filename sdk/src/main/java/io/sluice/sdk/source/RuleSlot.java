package io.sluice.sdk.source;

import io.sluice.sdk.ActiveRules;
import java.util.Set;

/**
 * What an {@link EtcdRuleSource} knows about one etcd key it reads and watches (the service's rule
 * document, or {@code _default}'s): the rules last applied from it, its rejection, the revisions
 * seen, and whether etcd lost its document. Confined to the source's thread.
 */
final class RuleSlot {
  final String key;
  final ActiveRules.Source source;
  final Set<String> services;
  ActiveRules applied;

  /**
   * The text {@link #applied} was compiled from, as read (for a last-known-good one, as stored).
   */
  byte[] appliedDocument;

  RuleRejection rejection;
  long revision;

  /** Where its watch resumes; read by tests from another thread (see EtcdRuleSource). */
  volatile long nextWatchRevision;

  boolean watchCreated;

  /**
   * The applied rules are kept though the document is missing, because etcd lost it (answered
   * behind a revision already seen): every later read that finds it missing still keeps them, until
   * a document is written.
   */
  boolean keptThroughLoss;

  /**
   * The line saying etcd lost this key's document, while unsaid (a log handler threw at it); null
   * once said, or with no loss.
   */
  String lossUntold;

  RuleSlot(String key, ActiveRules.Source source, Set<String> services) {
    this.key = key;
    this.source = source;
    this.services = services;
  }

  /**
   * The document is missing from etcd, which answers at {@code revision}, behind {@code seen}: etcd
   * lost data, so the applied rules stay (until a document is written), and the line saying so is
   * due. Their rejection, if any, goes: its document is gone with the loss (the status would report
   * it for ever, and etcd's revisions, counting up again, may reach its number for another
   * document, which the control plane would then count as rejected).
   */
  void lost(long revision, long seen) {
    keptThroughLoss = true;
    lossUntold =
        "the rule document "
            + key
            + " is missing from etcd, which answers at revision "
            + revision
            + ", behind revision "
            + seen
            + " already seen: etcd lost data rather than the document being deleted, so the"
            + " rules in force stay until a document is written"
            + (rejection == null
                ? ""
                : "; the rejection of its revision "
                    + rejection.revision()
                    + " is dropped, as etcd no longer holds that document");
    rejection = null;
  }

  /** A document was read at {@code revision}: whatever etcd lost before is back. */
  void read(long revision) {
    keptThroughLoss = false;
    lossUntold = null;
    this.revision = revision;
  }

  /** The document was found deleted by the read at {@code revision}: nothing of it stays. */
  void deleted(long revision) {
    this.revision = revision;
    applied = null;
    appliedDocument = null;
    rejection = null;
    keptThroughLoss = false;
    lossUntold = null;
  }
}
