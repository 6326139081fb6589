package io.sluice.controlplane.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.controlplane.ApiException;
import io.sluice.rules.wire.AgentStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentPageTest {

  /** Sorted as the inventory answers: by service, then instance id. */
  private static final List<AgentStatus> FLEET =
      List.of(
          TestAgentStatuses.minimal("a-1", "billing"),
          TestAgentStatuses.minimal("a-2", "billing"),
          TestAgentStatuses.minimal("o-1", "orders"),
          TestAgentStatuses.minimal("o-2", "orders"),
          TestAgentStatuses.minimal("o-3", "orders"));

  private static List<String> names(AgentPage page) {
    return page.agents().stream().map(a -> a.service() + "/" + a.instanceId()).toList();
  }

  @Test
  void withoutLimitOrCursorAnswersEveryAgentAndNoNextPage() {
    AgentPage all = AgentPage.of(FLEET, null, null);
    assertThat(all.agents()).isEqualTo(FLEET);
    assertThat(all.next()).isNull();
  }

  @Test
  void walksTheFleetPageByPageEachAgentOnce() {
    List<String> seen = new ArrayList<>();
    String after = "";
    int pages = 0;
    do {
      AgentPage page = AgentPage.of(FLEET, after, 2L);
      seen.addAll(names(page));
      after = page.next();
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen)
        .containsExactly("billing/a-1", "billing/a-2", "orders/o-1", "orders/o-2", "orders/o-3");
  }

  @Test
  void anAgentGoneBetweenTwoPagesMovesNoOtherAgentToAnotherPage() {
    AgentPage first = AgentPage.of(FLEET, null, 2L);
    List<AgentStatus> fewer = new ArrayList<>(FLEET);
    fewer.remove(1); // billing/a-2, the last agent of the first page, went
    fewer.add(0, TestAgentStatuses.minimal("new", "accounts")); // and one came before it
    assertThat(names(AgentPage.of(fewer, first.next(), 2L)))
        .containsExactly("orders/o-1", "orders/o-2");
  }

  @Test
  void neverSplitsTwoStatusesNamingTheSameInstance() {
    List<AgentStatus> twins =
        List.of(
            TestAgentStatuses.minimal("o-1", "orders"),
            TestAgentStatuses.minimal("o-1", "orders"),
            TestAgentStatuses.minimal("o-2", "orders"));
    AgentPage first = AgentPage.of(twins, null, 1L);
    assertThat(names(first)).containsExactly("orders/o-1", "orders/o-1");
    assertThat(names(AgentPage.of(twins, first.next(), 1L))).containsExactly("orders/o-2");
  }

  @Test
  void aCursorTellsApartNamesAnAgentWroteAnyCharactersInto() {
    List<AgentStatus> odd =
        List.of(
            TestAgentStatuses.minimal("2:x", "a:b"),
            TestAgentStatuses.minimal("x", "a:b2:"),
            TestAgentStatuses.minimal("\u00e9/\n", "a:b2:"));
    for (int i = 0; i < odd.size() - 1; i++) {
      AgentPage page = AgentPage.of(odd, AgentPage.of(odd, null, i + 1L).next(), 1L);
      assertThat(page.agents()).containsExactly(odd.get(i + 1));
    }
  }

  /**
   * A name holding a lone surrogate (an agent may write any JSON string) made a cursor naming
   * another position, before the agent ({@code ?} in its place): a script walking the pages got the
   * same page forever.
   */
  @Test
  void walksPastANameHoldingALoneSurrogate() {
    List<AgentStatus> odd =
        List.of(
            TestAgentStatuses.minimal("i-\ud800", "orders"),
            TestAgentStatuses.minimal("i-\udfff\ud800x", "orders"),
            TestAgentStatuses.minimal("z", "orders"));
    List<AgentStatus> seen = new ArrayList<>();
    String after = null;
    for (int pages = 0; pages < 5; pages++) {
      AgentPage page = AgentPage.of(odd, after, 1L);
      seen.addAll(page.agents());
      after = page.next();
      if (after == null) {
        break;
      }
    }
    assertThat(after).as("the walk ended").isNull();
    assertThat(seen).isEqualTo(odd);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, AgentPage.MAX_LIMIT + 1})
  void refusesALimitOutOfBounds(long limit) {
    assertThatThrownBy(() -> AgentPage.of(FLEET, null, limit))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("limit must be between 1 and 500");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not base64!", "b3JkZXJz", "OTk6b3JkZXJz", "OnNob3J0"})
  void refusesACursorNoPageGave(String cursor) {
    assertThatThrownBy(() -> AgentPage.of(FLEET, cursor, 2L))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("after must be the X-Sluice-Next-After of the previous page");
  }

  @Test
  void aCursorPastTheLastAgentAnswersAnEmptyLastPage() {
    String past =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("7:zzzzzzzz".getBytes(StandardCharsets.UTF_16BE));
    AgentPage page = AgentPage.of(FLEET, past, 2L);
    assertThat(page.agents()).isEmpty();
    assertThat(page.next()).isNull();
  }
}
