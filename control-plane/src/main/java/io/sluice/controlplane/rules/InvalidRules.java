package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.ValidationError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one problem document for an invalid rule document, every error with its JSON path (and the
 * same as a JSON Pointer): a save and a dry run of a draft refuse a document in the same words, so
 * a client places both alike.
 */
final class InvalidRules {

  private InvalidRules() {}

  static ApiException problem(List<ValidationError> errors) {
    List<Map<String, String>> listed = new ArrayList<>();
    for (ValidationError error : errors) {
      Map<String, String> e = new LinkedHashMap<>();
      e.put("path", error.path());
      e.put("pointer", error.pointer());
      e.put("message", error.message());
      listed.add(e);
    }
    return new ApiException(
        ProblemType.INVALID_RULES,
        errors.size() == 1
            ? "the document has 1 error"
            : "the document has " + errors.size() + " errors",
        Map.of("errors", listed));
  }
}
