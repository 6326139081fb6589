package io.sluice.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class EventSettingsTest {

  private static EventSettings bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("sluice.events", EventSettings.class);
  }

  @Test
  void bindsTheDocumentedDefaultsWhenNothingIsSet() {
    assertThat(bind(Map.of())).isEqualTo(EventSettings.defaults());
    assertThat(EventSettings.defaults())
        .isEqualTo(
            new EventSettings(
                256,
                Duration.ofSeconds(15),
                Duration.ofMinutes(30),
                Duration.ofSeconds(30),
                16,
                64));
  }

  @Test
  void bindsTheStreamAndTicketPropertiesFromOnePrefix() {
    EventSettings settings =
        bind(
            Map.of(
                "sluice.events.max-clients", "3",
                "sluice.events.keep-alive", "2s",
                "sluice.events.max-age", "1m",
                "sluice.events.ticket-ttl", "5m",
                "sluice.events.max-tickets-per-caller", "2",
                "sluice.events.max-clients-per-caller", "1"));

    assertThat(settings)
        .isEqualTo(
            new EventSettings(
                3, Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofMinutes(5), 2, 1));
  }

  @Test
  void failsToBindWithEveryBadValueInOneMessage() {
    Map<String, String> properties =
        Map.of(
            "sluice.events.max-clients", "0",
            "sluice.events.keep-alive", "0s",
            "sluice.events.max-age", "-1s",
            "sluice.events.ticket-ttl", "6m",
            "sluice.events.max-tickets-per-caller", "0",
            "sluice.events.max-clients-per-caller", "0");

    assertThatThrownBy(() -> bind(properties))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessage(
            String.join(
                "\n  - ",
                "invalid event stream settings:",
                "sluice.events.max-clients must be at least 1, was 0",
                "sluice.events.keep-alive must be positive, was PT0S",
                "sluice.events.max-age must be positive, was PT-1S",
                "sluice.events.ticket-ttl must be positive and at most 5m, was PT6M",
                "sluice.events.max-tickets-per-caller must be at least 1, was 0",
                "sluice.events.max-clients-per-caller must be at least 1, was 0"));
  }

  @Test
  void refusesATicketTtlThatCouldNeverOpenAStream() {
    assertThatThrownBy(
            () ->
                new EventSettings(
                    256, Duration.ofSeconds(15), Duration.ofMinutes(30), Duration.ZERO, 16, 64))
        .hasMessage(
            "invalid event stream settings:\n  - sluice.events.ticket-ttl must be positive and at"
                + " most 5m, was PT0S");
  }
}
