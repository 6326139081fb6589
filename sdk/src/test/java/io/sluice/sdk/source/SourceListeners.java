package io.sluice.sdk.source;

import io.sluice.sdk.ActiveRules;
import java.util.function.Consumer;

/**
 * One-method {@link RuleSourceListener}s for the source ITs, which mostly collect what a source
 * applied or rejected: {@code source.addListener(onRejected(rejections::add))} in place of an
 * anonymous class per test.
 */
final class SourceListeners {

  private SourceListeners() {}

  /** A listener that hands every snapshot the source applies to {@code applied}. */
  static RuleSourceListener onApplied(Consumer<ActiveRules> applied) {
    return new RuleSourceListener() {
      @Override
      public void onApplied(ActiveRules rules) {
        applied.accept(rules);
      }
    };
  }

  /**
   * A listener that hands every rejection the source says no longer stands to {@code withdrawn}.
   */
  static RuleSourceListener onWithdrawn(Consumer<RuleRejection> withdrawn) {
    return new RuleSourceListener() {
      @Override
      public void onRejectionWithdrawn(RuleRejection rejection) {
        withdrawn.accept(rejection);
      }
    };
  }

  /** A listener that hands every rejection the source tells to {@code rejected}. */
  static RuleSourceListener onRejected(Consumer<RuleRejection> rejected) {
    return new RuleSourceListener() {
      @Override
      public void onRejected(RuleRejection rejection) {
        rejected.accept(rejection);
      }
    };
  }
}
