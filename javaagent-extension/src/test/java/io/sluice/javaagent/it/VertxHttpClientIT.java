package io.sluice.javaagent.it;

import org.junit.jupiter.api.Test;

/**
 * The Vert.x suite on the module's Vert.x 5.1 (jetcd's), whose client keeps its default host and
 * port in fields of its own.
 */
class VertxHttpClientIT extends VertxHttpClientSuite {

  /** The app cancels a request on the wire ({@code HttpClientRequest#cancel}, Vert.x 5.1). */
  @Test
  void aTrialCallTheAppCancelsCountsNeitherWay() throws Exception {
    checkCancelledTrialCallCountsNeitherWay("vertx-cancel");
  }
}
