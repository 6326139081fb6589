package io.sluice.controlplane.rules;

import io.sluice.rules.CompiledRules;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The rules an agent of a service runs: the service's own document, else {@code _default}'s, else
 * the built-in defaults — the same fallback the agents apply. A service whose name can have no
 * document ({@code unknown_service:java}) goes straight to {@code _default}: agents would reject a
 * document stored under its name (its {@code service} could not be valid).
 */
@Component
public final class EffectiveRules {

  private final RuleStore store;

  EffectiveRules(RuleStore store) {
    this.store = store;
  }

  /**
   * The compiled effective rules of a service.
   *
   * @param source the service whose document applies ({@code _default}), or {@code null} for the
   *     built-in defaults
   * @param revision that document's revision, 0 for the built-in defaults
   * @param rules the compiled document; the built-in defaults when the stored one is invalid
   * @param valid false when the stored document is invalid (written around the API): agents reject
   *     it and keep their last good rules, which the control plane cannot know
   */
  public record Effective(String source, long revision, CompiledRules rules, boolean valid) {}

  /** The effective rules of a service, read from etcd now. */
  public Effective of(String service) {
    var own =
        (RuleDocument.isServiceName(service)
                ? store.get(service)
                : Optional.<RuleStore.StoredRules>empty())
            .or(() -> store.get(RuleDocument.DEFAULT_SERVICE));
    if (own.isPresent()) {
      RuleDocument document = RuleCodec.parse(own.get().document()).document();
      return document != null
          ? new Effective(
              own.get().service(), own.get().revision(), CompiledRules.compile(document), true)
          : new Effective(
              own.get().service(),
              own.get().revision(),
              CompiledRules.compile(RuleDocument.builtInDefaults(service)),
              false);
    }
    return new Effective(
        null, 0, CompiledRules.compile(RuleDocument.builtInDefaults(service)), true);
  }
}
