package io.sluice.javaagent.testapp;

import java.util.Map;
import java.util.TreeMap;

/** What an outgoing call returned, in the test app's plain text answer format. */
record ClientAnswer(int status, Map<String, String> headers, String body) {

  String render() {
    StringBuilder out = new StringBuilder("status=").append(status).append('\n');
    new TreeMap<>(headers)
        .forEach(
            (name, value) ->
                out.append("header.")
                    .append(name.toLowerCase())
                    .append('=')
                    .append(value)
                    .append('\n'));
    return out.append("body=").append(body).toString();
  }
}
