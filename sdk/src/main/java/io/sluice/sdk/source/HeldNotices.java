package io.sluice.sdk.source;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The rejections and deletes an etcd rule source found in a read or an event, held until the rules
 * in force are decided: a rejection's line says truly whether those rules stay or what they become
 * only once both keys are read, and a delete's line (at the read's revision, past every rejection
 * found with it) comes after the rejections so that the log reads in revision order. Each is
 * dropped only once told: a line that throws (an app's log handler) leaves it, and those after it,
 * to the next {@link #tell}, in the order found, so none is told twice or lost. Confined to the
 * source's thread.
 */
final class HeldNotices {

  private final Logger logger;
  private final List<DocumentVerdict> rejections = new ArrayList<>(2);
  private final List<String> deletes = new ArrayList<>(2);

  HeldNotices(Logger logger) {
    this.logger = logger;
  }

  /** Holds a rejected document's verdict, told before any delete. */
  void rejected(DocumentVerdict verdict) {
    rejections.add(verdict);
  }

  /** Holds the line of a delete a read found, told after the rejections. */
  void deleted(String line) {
    deletes.add(line);
  }

  boolean isEmpty() {
    return rejections.isEmpty() && deletes.isEmpty();
  }

  /** Forgets what is held, untold: the app no longer hears of it, or telling it keeps failing. */
  void drop() {
    rejections.clear();
    deletes.clear();
  }

  /**
   * Logs each rejection held, in the order found, then tells {@code listeners} of it; then logs the
   * deletes. Throws what a log handler throws, keeping what is still untold.
   *
   * @param becomes the rules about to be put in force, in a few words, or null when the rules in
   *     force stay
   * @param staying the rules in force, named when that helps the line (see {@link
   *     RejectionLine#builtInDefaultsIn}), else null
   */
  void tell(String becomes, String staying, RuleSourceListeners listeners) {
    while (!rejections.isEmpty()) {
      DocumentVerdict verdict = rejections.get(0);
      RuleRejection rejection = verdict.rejection();
      String rejected =
          "rule document " + rejection.origin() + " at revision " + rejection.revision();
      // a failure of this agent's own (see DocumentVerdict) comes with its stack trace
      logger.log(
          Level.WARNING,
          becomes == null
              ? RejectionLine.staying(rejected, staying, rejection)
              : RejectionLine.becoming(rejected, becomes, rejection),
          verdict.failure());
      rejections.remove(0);
      // never throws: a failing listener is caught there
      listeners.rejected(rejection);
    }
    while (!deletes.isEmpty()) {
      logger.info(deletes.get(0));
      deletes.remove(0);
    }
  }
}
