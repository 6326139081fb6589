package io.sluice.javaagent.it;

import java.util.HashMap;
import java.util.Map;

/**
 * The test app's report of one outgoing call: a status, headers and body, or the error the client
 * raised.
 */
record AppAnswer(int status, Map<String, String> headers, String body, String error) {

  private static final String BODY = "body=";

  /**
   * Reads the test app's answer: {@code error=…}, or {@code status=…} and {@code header.name=value}
   * lines followed by the {@code body=…} line, which runs to the end.
   */
  static AppAnswer parse(String text) {
    if (text.startsWith("error=")) {
      return new AppAnswer(0, Map.of(), "", text.substring("error=".length()));
    }
    int status = 0;
    Map<String, String> headers = new HashMap<>();
    String body = "";
    // the body is last, on a line of its own: a header's name or value may hold "body=" too
    int bodyAt = text.startsWith(BODY) ? 0 : text.indexOf("\n" + BODY);
    if (bodyAt > 0) {
      bodyAt++;
    }
    String head = bodyAt >= 0 ? text.substring(0, bodyAt) : text;
    if (bodyAt >= 0) {
      body = text.substring(bodyAt + BODY.length());
    }
    for (String line : head.split("\n")) {
      if (line.startsWith("status=")) {
        status = Integer.parseInt(line.substring("status=".length()).trim());
      } else if (line.startsWith("header.")) {
        int eq = line.indexOf('=');
        headers.put(line.substring("header.".length(), eq), line.substring(eq + 1));
      }
    }
    return new AppAnswer(status, headers, body, null);
  }

  boolean failed() {
    return error != null;
  }
}
