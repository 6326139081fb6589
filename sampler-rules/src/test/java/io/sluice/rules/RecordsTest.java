package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the records themselves guarantee, for documents built in code. */
class RecordsTest {

  @Test
  void errorActionCarriesNoResponseParts() {
    assertThatThrownBy(() -> new OnOpenAction(OnOpenMode.ERROR, 500, Map.of(), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("status 500");
    assertThatThrownBy(() -> new OnOpenAction(OnOpenMode.ERROR, 503, Map.of("a", "b"), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 headers");
    assertThatThrownBy(() -> new OnOpenAction(OnOpenMode.RESPONSE, 600, Map.of(), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status must be 100..599, not 600");
    assertThat(new OnOpenAction(OnOpenMode.ERROR, 503, null, null)).isEqualTo(OnOpenAction.ERROR);
  }

  @Test
  void collectionsAreCopiedAndUnmodifiable() {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("k", "v");
    SpanMatch match = new SpanMatch(null, null, attributes);
    attributes.put("other", "x");

    assertThat(match.attributes()).containsOnlyKeys("k");
    assertThatThrownBy(() -> match.attributes().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> RuleDocument.builtInDefaults("s").breakers().add(null))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void builtInDefaultsKeepEverythingAndFollowTheParent() {
    RuleDocument defaults = RuleDocument.builtInDefaults("orders");

    assertThat(defaults.sampling().defaultRatio()).isEqualTo(1.0);
    assertThat(defaults.sampling().respectParentDecision()).isTrue();
    assertThat(defaults.sampling().rules()).isEmpty();
    assertThat(defaults.breakers()).isEmpty();
    assertThat(RuleCodec.parse(RuleCodec.write(defaults)).document()).isEqualTo(defaults);
  }

  @Test
  void aMinimalDocumentReadsAsTheBuiltInDefaults() {
    assertThat(RuleCodec.parse("{\"schemaVersion\": 1, \"service\": \"orders\"}").document())
        .isEqualTo(RuleDocument.builtInDefaults("orders"));
  }

  @Test
  void serviceNamesKeepTheirCaseAsOpenTelemetryDoes() {
    for (String service : List.of("OrderService", "orderservice", "Orders.v2", "9Lives-API_x")) {
      assertThat(RuleDocument.isServiceName(service)).as(service).isTrue();
      assertThat(RuleCodec.parse("{\"schemaVersion\": 1, \"service\": \"" + service + "\"}"))
          .as(service)
          .satisfies(result -> assertThat(result.errors()).isEmpty())
          .satisfies(result -> assertThat(result.document().service()).isEqualTo(service));
    }
    for (String service :
        List.of("unknown_service:java", "Orders API", "-Orders", "_Orders", "\u00c4rger", "")) {
      assertThat(RuleDocument.isServiceName(service)).as(service).isFalse();
    }
  }

  @Test
  void aMinimalBreakerTakesEveryDocumentedDefault() {
    BreakerPolicy policy =
        RuleCodec.parse(
                "{\"schemaVersion\": 1, \"service\": \"s\", \"breakers\": [{\"name\": \"b\"}]}")
            .orElseThrow()
            .breakers()
            .get(0);

    assertThat(policy)
        .isEqualTo(
            new BreakerPolicy(
                "b",
                CallMatch.ANY,
                BreakerScope.TARGET,
                BreakerPolicy.DEFAULT_FAILURE_RATE_THRESHOLD,
                BreakerPolicy.DEFAULT_SLOW_CALL_RATE_THRESHOLD,
                BreakerPolicy.DEFAULT_SLOW_CALL_DURATION,
                SlidingWindow.DEFAULT,
                BreakerPolicy.DEFAULT_MINIMUM_CALLS,
                BreakerPolicy.DEFAULT_WAIT_IN_OPEN_STATE,
                BreakerPolicy.DEFAULT_HALF_OPEN_CALLS,
                List.of(new StatusCodeRange(500, 599)),
                OnOpenAction.ERROR,
                false));
  }

  @Test
  void withMatchChangesTheMatchAndNothingElse() {
    BreakerPolicy policy =
        RuleCodec.parse(
                "{\"schemaVersion\": 1, \"service\": \"s\", \"breakers\": [{\"name\": \"b\","
                    + " \"match\": {\"method\": \"POST\"}, \"halfOpenCalls\": 7,"
                    + " \"shadow\": true}]}")
            .orElseThrow()
            .breakers()
            .get(0);
    CallMatch other = new CallMatch("payments*", 8080, null, "/pay/**");

    BreakerPolicy changed = policy.withMatch(other);

    assertThat(changed.match()).isEqualTo(other);
    assertThat(changed).usingRecursiveComparison().ignoringFields("match").isEqualTo(policy);
  }
}
