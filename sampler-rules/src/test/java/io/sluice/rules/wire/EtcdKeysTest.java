package io.sluice.rules.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtcdKeysTest {

  private final EtcdKeys keys = EtcdKeys.defaults();

  @Test
  void layoutUnderTheDefaultNamespace() {
    assertThat(keys.namespace()).isEqualTo("/sluice");
    assertThat(keys.rulesPrefix()).isEqualTo("/sluice/v1/rules/");
    assertThat(keys.rules("orders")).isEqualTo("/sluice/v1/rules/orders");
    assertThat(keys.historyPrefix()).isEqualTo("/sluice/v1/history/");
    assertThat(keys.historyPrefix("orders")).isEqualTo("/sluice/v1/history/orders/");
    assertThat(keys.history("orders", 42))
        .isEqualTo("/sluice/v1/history/orders/00000000000000000042");
    assertThat(keys.agentsPrefix()).isEqualTo("/sluice/v1/agents/");
    assertThat(keys.agentsPrefix("orders")).isEqualTo("/sluice/v1/agents/orders/");
    assertThat(keys.agent("orders", "i-1")).isEqualTo("/sluice/v1/agents/orders/i-1");
  }

  @ParameterizedTest(name = "''{0}'' -> ''{1}''")
  @CsvSource({"/team-a, /team-a", "team-a, /team-a", "/team-a/, /team-a", "/a/b//, /a/b", "'', ''"})
  void namespacesAreNormalisedToALeadingSlashAndNoTrailingOne(String given, String expected) {
    assertThat(new EtcdKeys(given).namespace()).isEqualTo(expected);
    assertThat(new EtcdKeys(given).rules("s")).isEqualTo(expected + "/v1/rules/s");
  }

  @Test
  void historyKeysSortByRevisionAsStrings() {
    long[] revisions = {1, 9, 10, 99, 100, 12_345, 1L << 40, Long.MAX_VALUE};
    List<String> inRevisionOrder = new ArrayList<>();
    for (long revision : revisions) {
      inRevisionOrder.add(keys.history("orders", revision));
    }
    List<String> sorted = new ArrayList<>(inRevisionOrder);
    sorted.sort(null);

    assertThat(sorted).isEqualTo(inRevisionOrder);
    assertThat(keys.history("orders", Long.MAX_VALUE))
        .endsWith("/0" + Long.MAX_VALUE)
        .hasSize(keys.historyPrefix("orders").length() + 20);
  }

  @Test
  void oneServicesHistoryPrefixDoesNotCoverAnotherWhoseNameExtendsIt() {
    assertThat(keys.history("orders-v2", 1)).doesNotStartWith(keys.historyPrefix("orders"));
    assertThat(keys.agent("orders-v2", "i")).doesNotStartWith(keys.agentsPrefix("orders"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      nullValues = "-",
      value = {
        "/sluice/v1/rules/orders, orders",
        "/sluice/v1/rules/_default, _default",
        "/sluice/v1/rules/, -",
        "/sluice/v1/rules/a/b, -",
        "/sluice/v1/history/orders/00000000000000000001, -",
        "/other/v1/rules/orders, -",
        "/sluice/v1/rulesx, -",
        "-, -",
      })
  void serviceOfRulesKey(String key, String service) {
    assertThat(keys.serviceOfRules(key)).isEqualTo(service);
  }

  @Test
  void serviceOfRulesKeyRespectsTheNamespace() {
    EtcdKeys team = new EtcdKeys("/team-a");
    assertThat(team.serviceOfRules("/team-a/v1/rules/orders")).isEqualTo("orders");
    assertThat(team.serviceOfRules("/sluice/v1/rules/orders")).isNull();
  }

  @Test
  void aKeySegmentMustBeANonBlankNameWithoutSlash() {
    assertThat(EtcdKeys.requireSegment("service", "orders")).isEqualTo("orders");
    for (String bad : new String[] {"", "  ", "a/b", "/"}) {
      assertThatThrownBy(() -> EtcdKeys.requireSegment("instance id", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("instance id must be a non-blank name without '/', got '" + bad + "'");
    }
    // the bad value is quoted with what would break its line escaped
    assertThatThrownBy(() -> EtcdKeys.requireSegment("service", "a/\u202e\n"))
        .hasMessage("service must be a non-blank name without '/', got 'a/\\u202e\\n'");
    assertThatThrownBy(() -> EtcdKeys.requireSegment("service", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("service");
  }

  /**
   * etcd takes {@code /sluice/v1/agents/../id}, but the control plane's URLs could never address
   * it: the servlet container normalises {@code /api/v1/services/../agents} away.
   */
  @Test
  void aKeySegmentIsNeitherDotNorDotDot() {
    for (String bad : new String[] {".", ".."}) {
      assertThatThrownBy(() -> EtcdKeys.requireSegment("instance id", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "instance id must not be '.' or '..', which URLs and paths read as this or the"
                  + " parent directory and drop, got '"
                  + bad
                  + "'");
    }
    // names that merely contain dots are one segment like any other
    for (String fine : new String[] {"...", ".orders", "orders.", "a..b", ". ", " .."}) {
      assertThat(EtcdKeys.requireSegment("service", fine)).isEqualTo(fine);
    }
  }
}
