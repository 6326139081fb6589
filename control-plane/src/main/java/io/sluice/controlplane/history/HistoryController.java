package io.sluice.controlplane.history;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.FlagParameters;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.security.ServiceNames;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Past versions of a service's rules. */
@RestController
@RequestMapping("/api/v1/services/{service}/rules/history")
class HistoryController {

  private static final int MAX_LIMIT = 200;

  private final HistoryStore history;

  HistoryController(HistoryStore history) {
    this.history = history;
  }

  @GetMapping
  HistoryPage<?> list(
      @PathVariable String service,
      @RequestParam(required = false) Long before,
      // long, not int: a limit past an int is answered as any other out of bounds
      @RequestParam(defaultValue = "20") long limit,
      @RequestParam(name = "documents", required = false) String withDocuments) {
    ServiceNames.requireReported(service);
    boolean documents = FlagParameters.parse("documents", withDocuments, true);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST, "limit must be between 1 and " + MAX_LIMIT);
    }
    if (before != null && before < 1) {
      // no revision is below 1: an empty page would read as a service without history
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "before must be a revision, 1 or more (the previous page's next), not " + before);
    }
    HistoryPage<HistoryEntry> page = history.page(service, before, (int) limit);
    return documents ? page : HistoryPage.withoutDocuments(page);
  }

  @GetMapping("/{revision}")
  HistoryEntry get(@PathVariable String service, @PathVariable long revision) {
    ServiceNames.requireReported(service);
    if (revision < 1) {
      // no revision is below 1: a 404 said the client named a revision without history
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "the revision in the path must be a revision, 1 or more (one of the history's entries),"
              + " not "
              + revision);
    }
    return history.get(service, revision).orElseThrow(() -> history.noEntry(service, revision));
  }
}
