package io.sluice.controlplane.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WarnedKeysTest {

  @Test
  void warnsOncePerKey() {
    WarnedKeys warned = new WarnedKeys(8);
    assertThat(warned.firstTime("/sluice/v1/history/a/1@5")).isTrue();
    assertThat(warned.firstTime("/sluice/v1/history/a/1@5")).isFalse();
    assertThat(warned.firstTime("/sluice/v1/history/a/1@6")).isTrue();
  }

  @Test
  void remembersNoMoreKeysThanItsCapacityHoweverManyAreUnreadable() {
    WarnedKeys warned = new WarnedKeys(HistoryStore.MAX_WARNED_KEYS);
    for (int i = 0; i < 100_000; i++) {
      warned.firstTime("/sluice/v1/history/flood/" + i + "@" + i);
    }
    assertThat(warned.size()).isEqualTo(HistoryStore.MAX_WARNED_KEYS);
    // the oldest were forgotten: warned about once more
    assertThat(warned.firstTime("/sluice/v1/history/flood/0@0")).isTrue();
  }

  @Test
  void keepsAKeyReadAgainAndAgainWhileOthersComeAndGo() {
    WarnedKeys warned = new WarnedKeys(3);
    warned.firstTime("often");
    for (int i = 0; i < 10; i++) {
      warned.firstTime("once-" + i);
      assertThat(warned.firstTime("often")).as("round %s", i).isFalse();
    }
  }

  @Test
  void refusesACapacityBelowOne() {
    assertThatThrownBy(() -> new WarnedKeys(0)).hasMessageContaining("was 0");
  }
}
