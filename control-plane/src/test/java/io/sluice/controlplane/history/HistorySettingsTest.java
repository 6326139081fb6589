package io.sluice.controlplane.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class HistorySettingsTest {

  private static HistorySettings bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("sluice.history", HistorySettings.class);
  }

  @Test
  void keepsTheNewestThousandEntriesPerServiceUnlessToldOtherwise() {
    assertThat(bind(Map.of()).maxEntriesPerService()).isEqualTo(1000);
    assertThat(bind(Map.of("sluice.history.max-entries-per-service", "0")))
        .isEqualTo(HistorySettings.UNLIMITED);
    assertThat(bind(Map.of("sluice.history.max-entries-per-service", "50")).maxEntriesPerService())
        .isEqualTo(50);
  }

  @Test
  void refusesANegativeBoundNamingTheProperty() {
    assertThatThrownBy(() -> bind(Map.of("sluice.history.max-entries-per-service", "-1")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessage(
            "sluice.history.max-entries-per-service must be 0 (keep every entry) or more, was -1");
  }
}
