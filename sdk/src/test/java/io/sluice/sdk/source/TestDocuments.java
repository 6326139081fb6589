package io.sluice.sdk.source;

/** Rule documents for tests, told apart by their default ratio. */
public final class TestDocuments {

  private TestDocuments() {}

  public static String document(String service, double defaultRatio) {
    return """
        {"schemaVersion": 1, "service": "%s",
         "sampling": {"defaultRatio": %s, "respectParentDecision": true,
                      "rules": [{"name": "drop-health", "match": {"spanName": "GET /health*"}, \
        "ratio": 0.0}]},
         "breakers": [{"name": "payments", "match": {"host": "payments*"}}]}
        """
        .formatted(service, defaultRatio);
  }

  /** Valid JSON, invalid document: two problems with their paths. */
  public static String invalidDocument(String service) {
    return """
        {"schemaVersion": 1, "service": "%s",
         "sampling": {"defaultRatio": 1.5},
         "breakers": [{"name": "payments", "match": {"host": "payments*"}, \
        "slidingWindow": {"type": "COUNT", "size": 0}}]}
        """
        .formatted(service);
  }

  /**
   * A valid document of {@code service} just under {@code maxBytes}, written tersely: breakers that
   * give a name and nothing else. Its canonical form spells out every default of every breaker and
   * is many times larger.
   */
  public static String terseBreakers(String service, int maxBytes) {
    String head = "{\"schemaVersion\":1,\"service\":\"" + service + "\",\"breakers\":[";
    StringBuilder json = new StringBuilder(maxBytes).append(head);
    for (int i = 0; ; i++) {
      String breaker = (i == 0 ? "" : ",") + "{\"name\":\"" + Integer.toString(i, 36) + "\"}";
      if (json.length() + breaker.length() + 2 > maxBytes) {
        return json.append("]}").toString();
      }
      json.append(breaker);
    }
  }
}
