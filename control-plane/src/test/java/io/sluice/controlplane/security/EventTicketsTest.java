package io.sluice.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.controlplane.EventSettings;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventTicketsTest {

  private static final Caller RITA = new Caller("rita", Role.READER);
  private final AtomicLong now = new AtomicLong(1_000);
  private final EventTickets tickets = new EventTickets(EventSettings.defaults(), 3, now::get);

  @Test
  void aTicketStandsForItsCallerOnce() {
    String ticket = tickets.issue(RITA);
    assertThat(tickets.redeem(ticket)).isEqualTo(RITA);
    assertThat(tickets.redeem(ticket)).isNull();
  }

  @Test
  void aTicketIsUrlSafeAndCarries256RandomBits() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String ticket = tickets.issue(RITA);
      assertThat(ticket).matches("[A-Za-z0-9_-]{43}");
      assertThat(seen.add(ticket)).isTrue();
    }
  }

  @Test
  void anExpiredTicketOpensNothing() {
    String used = tickets.issue(RITA);
    String late = tickets.issue(RITA);
    now.addAndGet(Duration.ofSeconds(30).toNanos() - 1);
    assertThat(tickets.redeem(used)).isEqualTo(RITA);
    now.addAndGet(1);
    assertThat(tickets.redeem(late)).isNull();
  }

  @Test
  void unknownTicketsOpenNothing() {
    tickets.issue(RITA);
    assertThat(tickets.redeem("")).isNull();
    assertThat(tickets.redeem("not-a-ticket")).isNull();
  }

  @Test
  void keepsAtMostItsCapacityDroppingTheOldestFirst() {
    String first = tickets.issue(RITA);
    String second = tickets.issue(RITA);
    tickets.issue(RITA);
    String fourth = tickets.issue(RITA);
    assertThat(tickets.outstanding()).isEqualTo(3);
    assertThat(tickets.redeem(first)).isNull();
    assertThat(tickets.redeem(second)).isEqualTo(RITA);
    assertThat(tickets.redeem(fourth)).isEqualTo(RITA);
  }

  @Test
  void issuingDropsExpiredTickets() {
    tickets.issue(RITA);
    tickets.issue(RITA);
    now.addAndGet(Duration.ofSeconds(31).toNanos());
    String fresh = tickets.issue(RITA);
    assertThat(tickets.outstanding()).isEqualTo(1);
    assertThat(tickets.redeem(fresh)).isEqualTo(RITA);
  }

  @Test
  void refusesACapacityThatCouldNeverHoldATicket() {
    // the TTL is checked once, by EventSettings (EventSettingsTest)
    assertThatThrownBy(() -> new EventTickets(EventSettings.defaults(), 0, now::get))
        .hasMessageContaining("was 0");
  }
}
