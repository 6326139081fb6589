package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.OneLineText;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The rules an agent of a service runs: the service's own document, else {@code _default}'s, else
 * the built-in defaults — the same fallback the agents apply. A service whose name can have no
 * document ({@code unknown_service:java}) goes straight to {@code _default}: agents would reject a
 * document stored under its name (its {@code service} could not be valid).
 *
 * <p>A stored document is held to what the agents hold it to: valid, and naming the service it is
 * stored for. One stored under {@code {ns}/v1/rules/a} that says {@code "service": "b"} (written
 * around the API) is rejected by {@code a}'s agents, which keep their last good rules; so it is not
 * taken as {@code a}'s effective rules here either.
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
   * @param namedService the service the stored document names, or {@code null} when it could not be
   *     read; equal to {@code source} when the document is valid
   * @param valid false when the stored document is invalid or names another service than it is
   *     stored for (written around the API): agents reject it and keep their last good rules, which
   *     the control plane cannot know
   */
  public record Effective(
      String source, long revision, CompiledRules rules, String namedService, boolean valid) {

    /** Whether the stored document is readable but names another service than its key's. */
    public boolean misplaced() {
      return namedService != null && !namedService.equals(source);
    }
  }

  /**
   * The effective rules of a service, read from etcd now, refused when the stored document is one
   * the agents reject ({@link Effective#valid()} false): then the control plane cannot know the
   * rules they run (their last good ones), and an answer worked out from any rules would be wrong.
   *
   * @throws ApiException {@link ProblemType#STORED_DOCUMENT_INVALID} (409), naming both services of
   *     a document that names another service than its key's ({@code storedFor}, {@code
   *     namedService})
   */
  public Effective known(String service) {
    Effective rules = of(service);
    if (rules.misplaced()) {
      throw new ApiException(
          ProblemType.STORED_DOCUMENT_INVALID,
          "the document stored for "
              + OneLineText.escape(rules.source())
              + " at revision "
              + rules.revision()
              + " names service '"
              + OneLineText.escape(rules.namedService())
              + "' (written around the API); agents of "
              + OneLineText.escape(rules.source())
              + " reject it and keep their last good rules",
          storedForAndNamed(rules.source(), rules.namedService()));
    }
    if (!rules.valid()) {
      throw new ApiException(
          ProblemType.STORED_DOCUMENT_INVALID,
          "the document of "
              + rules.source()
              + " at revision "
              + rules.revision()
              + " is invalid (written around the API); agents keep their last good rules");
    }
    return rules;
  }

  /**
   * {@code storedFor} then {@code namedService}, the members of a misplaced document's 409, in that
   * order at every start (an immutable map's order changes from one start to the next).
   */
  private static Map<String, Object> storedForAndNamed(String storedFor, String namedService) {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("storedFor", storedFor);
    members.put("namedService", namedService);
    return members;
  }

  /** The effective rules of a service, read from etcd now. */
  public Effective of(String service) {
    var own =
        (RuleDocument.isServiceName(service)
                ? store.get(service)
                : Optional.<RuleStore.StoredRules>empty())
            .or(() -> store.get(RuleDocument.DEFAULT_SERVICE));
    if (own.isPresent()) {
      RuleStore.StoredRules stored = own.get();
      RuleDocument document = RuleCodec.parse(stored.document()).document();
      String named = document == null ? null : document.service();
      return document != null && named.equals(stored.service())
          ? new Effective(
              stored.service(), stored.revision(), CompiledRules.compile(document), named, true)
          : new Effective(
              stored.service(),
              stored.revision(),
              CompiledRules.compile(RuleDocument.builtInDefaults(service)),
              named,
              false);
    }
    return new Effective(
        null, 0, CompiledRules.compile(RuleDocument.builtInDefaults(service)), null, true);
  }
}
