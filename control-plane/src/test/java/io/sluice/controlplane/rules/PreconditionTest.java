package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.controlplane.ApiException;
import org.junit.jupiter.api.Test;

class PreconditionTest {

  @Test
  void readsIfMatchAndIfNoneMatchAsRevisions() {
    assertThat(RulesController.precondition(null, null)).isNull();
    assertThat(RulesController.precondition("\"42\"", null)).isEqualTo(42L);
    assertThat(RulesController.precondition("W/\"42\"", null)).isEqualTo(42L);
    assertThat(RulesController.precondition("42", null)).isEqualTo(42L);
    assertThat(RulesController.precondition("*", null)).isEqualTo(RuleStore.ANY_EXISTING);
    assertThat(RulesController.precondition(null, "*")).isEqualTo(0L);
    assertThat(RulesController.etag(42)).isEqualTo("\"42\"");
  }

  @Test
  void refusesIfMatchValuesThatAreNotRevisions() {
    assertThatThrownBy(() -> RulesController.precondition("\"abc\"", null))
        .isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> RulesController.precondition("\"-1\"", null))
        .isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> RulesController.precondition(null, "\"3\""))
        .isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> RulesController.precondition("\"3\"", "*"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("cannot both hold");
  }
}
