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
  private static final Caller WALT = new Caller("walt", Role.WRITER);
  // a token may be configured with the name open reads' callers go by: still a caller of its own
  private static final Caller NAMED_ANONYMOUS = new Caller("anonymous", Role.READER);
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

  /**
   * Tickets that live 30 s, at most {@code perCaller} of one caller and {@code capacity} in all.
   */
  private EventTickets tickets(int perCaller, int capacity) {
    return new EventTickets(
        new EventSettings(
            256,
            Duration.ofSeconds(15),
            Duration.ofMinutes(30),
            Duration.ofSeconds(30),
            perCaller,
            64),
        capacity,
        now::get);
  }

  @Test
  void aCallerBeyondItsBoundLosesItsOwnOldestTicketNeverAnotherCallers() {
    EventTickets tickets = tickets(2, 100);
    String walts = tickets.issue(WALT);
    String ritasFirst = tickets.issue(RITA);
    String ritasSecond = tickets.issue(RITA);
    for (int i = 0; i < 50; i++) {
      tickets.issue(RITA);
    }
    String ritasLast = tickets.issue(RITA);

    assertThat(tickets.outstanding()).isEqualTo(3);
    assertThat(tickets.redeem(ritasFirst)).isNull();
    assertThat(tickets.redeem(ritasSecond)).isNull();
    assertThat(tickets.redeem(walts)).isEqualTo(WALT);
    assertThat(tickets.redeem(ritasLast)).isEqualTo(RITA);
  }

  @Test
  void oneCallerMintingInALoopCannotPushOutAnotherCallersTicketsThroughTheCapacity() {
    // what a per-caller bound prevents: 16 per caller, 10 000 in all
    EventTickets tickets = tickets(16, EventTickets.MAX_OUTSTANDING);
    String walts = tickets.issue(WALT);
    for (int i = 0; i < EventTickets.MAX_OUTSTANDING; i++) {
      tickets.issue(RITA);
    }
    assertThat(tickets.outstanding()).isEqualTo(17);
    assertThat(tickets.redeem(walts)).isEqualTo(WALT);
  }

  @Test
  void aRedeemedOrExpiredTicketNoLongerCountsAgainstItsCaller() {
    EventTickets tickets = tickets(2, 100);
    String first = tickets.issue(RITA);
    assertThat(tickets.redeem(tickets.issue(RITA))).isEqualTo(RITA);
    String third = tickets.issue(RITA);
    // the redeemed one left room: nothing of RITA's was dropped
    assertThat(tickets.redeem(first)).isEqualTo(RITA);
    assertThat(tickets.redeem(third)).isEqualTo(RITA);
    assertThat(tickets.callers()).isZero();

    tickets.issue(RITA);
    tickets.issue(WALT);
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    String fresh = tickets.issue(RITA);
    String another = tickets.issue(RITA);
    // the expired ones were dropped, not the fresh ones
    assertThat(tickets.outstanding()).isEqualTo(2);
    assertThat(tickets.callers()).isEqualTo(1);
    assertThat(tickets.redeem(fresh)).isEqualTo(RITA);
    assertThat(tickets.redeem(another)).isEqualTo(RITA);
  }

  @Test
  void callersWithoutATokenShareOneAllowanceApartFromATokenOfThatName() {
    EventTickets tickets = tickets(2, 100);
    String named = tickets.issue(NAMED_ANONYMOUS);
    String first = tickets.issue(Caller.ANONYMOUS);
    tickets.issue(Caller.ANONYMOUS);
    String third = tickets.issue(Caller.ANONYMOUS);

    assertThat(tickets.redeem(first)).isNull();
    assertThat(tickets.redeem(third)).isEqualTo(Caller.ANONYMOUS);
    assertThat(tickets.redeem(named)).isEqualTo(NAMED_ANONYMOUS);
  }

  @Test
  void theCapacityStillDropsTheOldestOfAllAndKeepsEachCallersOrder() {
    EventTickets tickets = tickets(2, 3);
    String walts = tickets.issue(WALT);
    String ritas = tickets.issue(RITA);
    String walts2 = tickets.issue(WALT);
    // the capacity drops WALT's oldest: WALT is at one, so his next drops nothing of his own
    String ritas2 = tickets.issue(RITA);
    String walts3 = tickets.issue(WALT);

    assertThat(tickets.outstanding()).isEqualTo(3);
    assertThat(tickets.redeem(walts)).isNull();
    assertThat(tickets.redeem(ritas)).isNull();
    assertThat(tickets.redeem(walts2)).isEqualTo(WALT);
    assertThat(tickets.redeem(ritas2)).isEqualTo(RITA);
    assertThat(tickets.redeem(walts3)).isEqualTo(WALT);
    assertThat(tickets.callers()).isZero();
  }

  @Test
  void refusesACapacityThatCouldNeverHoldATicket() {
    // the TTL is checked once, by EventSettings (EventSettingsTest)
    assertThatThrownBy(() -> new EventTickets(EventSettings.defaults(), 0, now::get))
        .hasMessageContaining("was 0");
  }
}
