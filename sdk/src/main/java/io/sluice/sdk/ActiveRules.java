package io.sluice.sdk;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.SamplingRule;
import java.util.Objects;

/**
 * One immutable snapshot of the rules an agent runs: the compiled document, the etcd revision it
 * came from and where it came from. Rule sources publish a new snapshot with one atomic swap
 * ({@link ActiveRulesHolder}); samplers and breakers only ever read the current one, so the request
 * path never waits on etcd, parsing or locks.
 *
 * @param rules the compiled document
 * @param revision the etcd mod revision of the document, 0 when it did not come from etcd
 * @param source where it came from
 */
public record ActiveRules(CompiledRules rules, long revision, Source source) {

  /** Where a snapshot came from. */
  public enum Source {
    /** Built-in defaults: no document was found or configured. */
    DEFAULTS,
    /** The service's own document in etcd. */
    ETCD,
    /** The {@code _default} document in etcd, for a service without its own. */
    ETCD_DEFAULT,
    /** A local rules file ({@code sluice.rules.file}). */
    FILE,
    /** The last-known-good snapshot on disk, used while etcd is unreachable. */
    LAST_KNOWN_GOOD
  }

  public ActiveRules {
    Objects.requireNonNull(rules, "rules");
    Objects.requireNonNull(source, "source");
  }

  /** The built-in defaults for a service: keep everything, follow the parent, guard nothing. */
  public static ActiveRules defaults(String service) {
    return new ActiveRules(
        CompiledRules.compile(RuleDocument.builtInDefaults(service)), 0, Source.DEFAULTS);
  }

  /** The document the snapshot was compiled from. */
  public RuleDocument document() {
    return rules.document();
  }

  /**
   * Whose rules, from where, at which revision, and the names of their sampling rules and breaker
   * policies: what someone printing the rules in force wants to see, where the record's own form
   * showed only the compiled rules' identity ({@code CompiledRules@1ab06251}).
   */
  @Override
  public String toString() {
    RuleDocument document = document();
    return "ActiveRules[service="
        + document.service()
        + ", source="
        + source
        + ", revision="
        + revision
        + ", samplingRules="
        + document.sampling().rules().stream().map(SamplingRule::name).toList()
        + ", breakers="
        + document.breakers().stream().map(BreakerPolicy::name).toList()
        + "]";
  }
}
