package io.sluice.sdk.source;

import io.sluice.sdk.ActiveRules;

/**
 * The one WARNING line a rule source writes for a document it rejected: which document, what the
 * rules in force are after it, and every problem. Both sources word it alike, so that an operator
 * reads the same sentence whichever source the agent runs, and it says what is true after the
 * rejection: the rules in force stay (a rejection never changes them), or, when what was read with
 * the rejected document changes them all the same, what they become.
 */
final class RejectionLine {

  private RejectionLine() {}

  /**
   * {@code "the rules in force stay"}, naming them when {@code inForce} is not null: a source that
   * has put nothing in force yet says which rules those are ({@code "the built-in defaults"}), as
   * "stay" alone reads as if a source's earlier rules were kept.
   */
  static String stay(String inForce) {
    return "the rules in force stay" + (inForce == null ? "" : ": " + inForce);
  }

  /**
   * {@code "the built-in defaults"} when {@code inForce} are they, else null: what {@link #stay}
   * names. Both sources name them while the app runs them (at a start on a rejected, missing or
   * unreadable document, before any other rules were put in force; for etcd also once deletes left
   * no document), where "stay" alone reads as if rules from before a restart were kept.
   */
  static String builtInDefaultsIn(ActiveRules inForce) {
    return inForce.source() == ActiveRules.Source.DEFAULTS ? "the built-in defaults" : null;
  }

  /**
   * The line for {@code rejection} of {@code rejected} (such as {@code "rules file
   * /etc/rules.json"} or {@code "rule document /sluice/v1/rules/orders at revision 7"}), after
   * which the rules in force stay; {@code inForce} names them, or is null.
   */
  static String staying(String rejected, String inForce, RuleRejection rejection) {
    return line(rejected, "; " + stay(inForce), rejection);
  }

  /**
   * The line for {@code rejection} of {@code rejected}, after which the rules in force become
   * {@code next}, which what was read with the rejected document (a delete, another key's document)
   * puts in force.
   */
  static String becoming(String rejected, String next, RuleRejection rejection) {
    return line(rejected, ", which is not applied; the rules in force become " + next, rejection);
  }

  private static String line(String rejected, String outcome, RuleRejection rejection) {
    return "rejected the "
        + rejected
        + outcome
        + ". Problems:\n  "
        + String.join("\n  ", rejection.messages());
  }
}
