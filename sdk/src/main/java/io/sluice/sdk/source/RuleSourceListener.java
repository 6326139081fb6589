package io.sluice.sdk.source;

import io.sluice.sdk.ActiveRules;

/**
 * Told what a {@link RuleSource} did, so the status reporter (and tests, and metrics) can report
 * which revision an agent runs and which it refused. Called on the source's thread after the
 * snapshot is in force (for the first read of a {@link FileRuleSource}, on the thread calling its
 * {@code start()}); implementations must return quickly.
 */
public interface RuleSourceListener {

  /** A snapshot was published by the source. */
  default void onApplied(ActiveRules rules) {}

  /**
   * A document was refused: it changed nothing in force (the rules it would have replaced stay,
   * unless what was read with it, a delete or another key's document, replaces them; then {@link
   * #onApplied} follows).
   */
  default void onRejected(RuleRejection rejection) {}

  /**
   * A rejection no longer stands, and no {@link #onApplied} says so: the refused document was
   * deleted or replaced while other rules stayed in force (a fixed {@code _default} while the
   * service's own document applies), or a newer rejection took its place. {@link
   * RuleSource#lastRejection()} no longer returns it.
   */
  default void onRejectionWithdrawn(RuleRejection withdrawn) {}
}
