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
  void matchesARevisionOnlyInTheFormItsETagHas() {
    // zero-padded (as history keys are), revision 0 and digits beyond any revision never match
    for (String tag :
        new String[] {
          "\"026\"", "W/\"026\"", "026", "\"0\"", "\"00\"", "\"99999999999999999999\""
        }) {
      assertThat(RulesController.precondition(tag, null)).as(tag).isEqualTo(RuleStore.NO_REVISION);
    }
  }

  @Test
  void refusesIfMatchValuesThatAreNotRevisions() {
    // Long.parseLong would read these as 26
    for (String tag : new String[] {"\"+26\"", "\"\u0662\u0666\"", "\"\"", "\" 26\""}) {
      assertThatThrownBy(() -> RulesController.precondition(tag, null))
          .as(tag)
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("must be a revision");
    }
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
