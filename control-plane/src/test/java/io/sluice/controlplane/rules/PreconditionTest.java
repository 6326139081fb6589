package io.sluice.controlplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreconditionTest {

  private static List<Long> revisions(String ifMatch, String ifNoneMatch) {
    return RulesController.precondition(ifMatch, ifNoneMatch).revisions();
  }

  @Test
  void readsIfMatchAndIfNoneMatchAsRevisions() {
    assertThat(RulesController.precondition(null, null)).isNull();
    assertThat(revisions("\"42\"", null)).containsExactly(42L);
    assertThat(revisions("W/\"42\"", null)).containsExactly(42L);
    assertThat(revisions("42", null)).containsExactly(42L);
    assertThat(revisions("*", null)).containsExactly(RuleStore.ANY_EXISTING);
    assertThat(revisions(null, "*")).containsExactly(0L);
    assertThat(RulesController.etag(42)).isEqualTo("\"42\"");
  }

  @Test
  void readsAListOfTagsAsAnyOfTheirRevisions() {
    assertThat(revisions("\"3\", \"4\"", null)).containsExactly(3L, 4L);
    // two header lines arrive joined without a space; empty elements are skipped (RFC 9110 lists)
    assertThat(revisions("\"3\",\"4\"", null)).containsExactly(3L, 4L);
    assertThat(revisions(" , \"3\" ,, W/\"4\",\t\"026\" ,", null))
        .containsExactly(3L, 4L, RuleStore.NO_REVISION);
    RuleStore.Expected expected = RulesController.precondition("\"3\", \"4\"", null);
    assertThat(expected.holds(3)).isTrue();
    assertThat(expected.holds(4)).isTrue();
    assertThat(expected.holds(5)).isFalse();
    assertThat(expected.holds(0)).as("no document matches no tag").isFalse();
  }

  @Test
  void refusesAStarInAListAndAListWithATagThatIsNoRevision() {
    for (String value :
        new String[] {"*, \"3\"", "\"3\", *", "\"3\", \"x\"", "\"3\" \"4\"", "\"3,4\"", ","}) {
      assertThatThrownBy(() -> RulesController.precondition(value, null))
          .as(value)
          .isInstanceOf(ApiException.class)
          .satisfies(
              e -> assertThat(((ApiException) e).problem()).isEqualTo(ProblemType.INVALID_REQUEST));
    }
  }

  /**
   * An empty {@code If-Match} is what a script sends whose ETag variable is empty: it asked for a
   * conditional write, so it is refused rather than read as none. Before, it wrote unconditionally,
   * over whatever another writer had stored.
   */
  @Test
  void refusesAnEmptyIfMatchRatherThanWriteUnconditionally() {
    for (String value : new String[] {"", " ", "\t  "}) {
      for (String ifNoneMatch : new String[] {null, "*"}) {
        assertThatThrownBy(() -> RulesController.precondition(value, ifNoneMatch))
            .as("'%s' with If-None-Match %s", value, ifNoneMatch)
            .isInstanceOf(ApiException.class)
            .hasMessageContaining("If-Match is empty")
            .satisfies(
                e ->
                    assertThat(((ApiException) e).problem())
                        .isEqualTo(ProblemType.INVALID_REQUEST));
      }
    }
  }

  @Test
  void matchesARevisionOnlyInTheFormItsETagHas() {
    // zero-padded (as history keys are), revision 0 and digits beyond any revision never match
    for (String tag :
        new String[] {
          "\"026\"", "W/\"026\"", "026", "\"0\"", "\"00\"", "\"99999999999999999999\""
        }) {
      assertThat(revisions(tag, null)).as(tag).containsExactly(RuleStore.NO_REVISION);
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
