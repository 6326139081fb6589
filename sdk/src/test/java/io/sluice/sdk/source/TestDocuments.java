package io.sluice.sdk.source;

/** Rule documents for tests, told apart by their default ratio. */
public final class TestDocuments {

  private TestDocuments() {}

  public static String document(String service, double defaultRatio) {
    return """
        {"schemaVersion": 1, "service": "%s",
         "sampling": {"defaultRatio": %s, "respectParentDecision": true,
                      "rules": [{"name": "drop-health", "match": {"spanName": "GET /health*"}, "ratio": 0.0}]},
         "breakers": [{"name": "payments", "match": {"host": "payments*"}}]}
        """
        .formatted(service, defaultRatio);
  }

  /** Valid JSON, invalid document: two problems with their paths. */
  public static String invalidDocument(String service) {
    return """
        {"schemaVersion": 1, "service": "%s",
         "sampling": {"defaultRatio": 1.5},
         "breakers": [{"name": "payments", "match": {"host": "payments*"}, "slidingWindow": {"type": "COUNT", "size": 0}}]}
        """
        .formatted(service);
  }
}
