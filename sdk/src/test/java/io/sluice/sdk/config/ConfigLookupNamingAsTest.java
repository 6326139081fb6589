package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLookupNamingAsTest {

  private final ConfigLookup lookup =
      ConfigLookup.propertiesThenEnvironment(
          Map.of(ConfigKeys.STATE_DIR, "/var/sluice")::get,
          Map.of("SLUICE_RULES_FILE", "/etc/rules.json")::get);

  /** Only the one key is named anew; values, other keys' names and missing names stay. */
  @Test
  void namesTheOneKeyAnewAndLeavesTheRestAsTheLookupSaysThem() {
    ConfigLookup named = lookup.namingAs(ConfigKeys.STATE_DIR, "the fallback state directory");

    assertThat(named.origin(ConfigKeys.STATE_DIR)).isEqualTo("the fallback state directory");
    assertThat(named.value(ConfigKeys.STATE_DIR)).isEqualTo("/var/sluice");
    assertThat(named.origin(ConfigKeys.RULES_FILE))
        .isEqualTo(lookup.origin(ConfigKeys.RULES_FILE))
        .isEqualTo("environment variable SLUICE_RULES_FILE");
    assertThat(named.value(ConfigKeys.RULES_FILE)).isEqualTo("/etc/rules.json");
    assertThat(named.missing(ConfigKeys.ETCD_USER)).isEqualTo(lookup.missing(ConfigKeys.ETCD_USER));
  }
}
