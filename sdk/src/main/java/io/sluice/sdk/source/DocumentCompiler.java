package io.sluice.sdk.source;

import io.sluice.rules.CompiledRules;
import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.rules.ValidationError;
import java.util.List;
import java.util.Set;

/**
 * Parse, validate, compile: the part of the pipeline every source shares. Runs on a source's thread
 * (or in {@link FileRuleSource#start()}), never on a request thread. Never throws.
 */
final class DocumentCompiler {

  private DocumentCompiler() {}

  /**
   * The outcome of compiling one document: compiled rules, or every problem.
   *
   * @param rules the compiled rules when valid, otherwise {@code null}
   * @param errors every problem when invalid (as {@link ParseResult#errors}), otherwise empty
   * @param problemCount how many problems were found (as {@link ParseResult#problemCount})
   */
  record Outcome(CompiledRules rules, List<ValidationError> errors, int problemCount) {

    /** An outcome that lists every problem found. */
    Outcome(CompiledRules rules, List<ValidationError> errors) {
      this(rules, errors, errors.size());
    }

    boolean isValid() {
      return rules != null;
    }
  }

  /**
   * The documents {@code service} runs: its own and {@code _default}; {@code _default} alone for a
   * service of that name ({@code Set.of} refuses the same element twice, which failed the rules
   * file source and the last-known-good store of such a service with {@code duplicate element}).
   */
  static Set<String> documentsOf(String service) {
    return RuleDocument.DEFAULT_SERVICE.equals(service)
        ? Set.of(RuleDocument.DEFAULT_SERVICE)
        : Set.of(service, RuleDocument.DEFAULT_SERVICE);
  }

  /**
   * Compiles {@code json}, accepting it only when its {@code service} is one of {@code services}: a
   * document stored under the wrong key would otherwise silently run for the wrong service.
   */
  static Outcome compile(byte[] json, Set<String> services) {
    ParseResult parsed = RuleCodec.parse(json);
    if (!parsed.isValid()) {
      return new Outcome(null, parsed.errors(), parsed.problemCount());
    }
    RuleDocument document = parsed.document();
    if (!services.isEmpty() && !services.contains(document.service())) {
      return new Outcome(
          null,
          List.of(
              new ValidationError(
                  "$.service",
                  "the document is for service '"
                      + document.service()
                      + "' but was found where "
                      + String.join(
                          " or ", services.stream().sorted().map(s -> "'" + s + "'").toList())
                      + " is expected")));
    }
    try {
      return new Outcome(CompiledRules.compile(document), List.of());
    } catch (RuntimeException e) {
      return new Outcome(
          null,
          List.of(
              new ValidationError("$", "the document could not be compiled: " + e.getMessage())));
    }
  }
}
