package io.sluice.controlplane.security;

import io.sluice.controlplane.EventSettings;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Short-lived, single-use tickets that open the event stream as the caller who minted them ({@code
 * POST /api/v1/events/tickets}, then {@code GET /api/v1/events?ticket=...}), so a client that
 * cannot send headers never puts its long-lived token in a URL.
 *
 * <p>Design: a ticket is 256 random bits, URL-safe Base64, and is looked up by its value (a hash
 * lookup of a random value tells an attacker nothing by its timing). Redeeming removes it, so it
 * opens at most one stream, whatever the outcome of that request. Every ticket lives the same TTL,
 * so insertion order is expiry order: issuing drops expired tickets from the head of the map, and
 * beyond {@link #capacity} outstanding tickets the oldest goes, which bounds memory (each ticket is
 * a couple of hundred bytes) without a background thread. Time comes from a nanosecond ticker
 * ({@link System#nanoTime} in production), so wall-clock jumps do not stretch a ticket's life and
 * tests advance time by hand.
 */
final class EventTickets {

  /** Outstanding tickets kept at most: a few MB at worst, far above what readers mint in a TTL. */
  static final int MAX_OUTSTANDING = 10_000;

  private record Issued(Caller caller, long expiresAt) {}

  private final long ttlNanos;
  private final int capacity;
  private final LongSupplier nanoTime;
  private final SecureRandom random = new SecureRandom();

  /** Guarded by itself; insertion order is expiry order. */
  private final LinkedHashMap<String, Issued> issued = new LinkedHashMap<>();

  /**
   * Tickets that live {@code settings}' {@code ticketTtl} (checked there, once), at most {@code
   * capacity} of them.
   */
  EventTickets(EventSettings settings, int capacity, LongSupplier nanoTime) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the ticket capacity must be at least 1, was " + capacity);
    }
    this.ttlNanos = settings.ticketTtl().toNanos();
    this.capacity = capacity;
    this.nanoTime = nanoTime;
  }

  /** A new ticket that {@link #redeem} turns into {@code caller} once, within the TTL. */
  String issue(Caller caller) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    synchronized (issued) {
      long now = nanoTime.getAsLong();
      dropExpired(now);
      Iterator<String> oldest = issued.keySet().iterator();
      while (issued.size() >= capacity) {
        oldest.next();
        oldest.remove();
      }
      issued.put(ticket, new Issued(caller, now + ttlNanos));
    }
    return ticket;
  }

  /**
   * The caller who minted {@code ticket}, or {@code null} when it is unknown, used or expired. The
   * ticket is spent either way.
   */
  Caller redeem(String ticket) {
    Issued found;
    long now;
    synchronized (issued) {
      found = issued.remove(ticket);
      now = nanoTime.getAsLong();
    }
    return found != null && now - found.expiresAt() < 0 ? found.caller() : null;
  }

  /** Tickets kept now, expired ones not yet dropped included; for tests. */
  int outstanding() {
    synchronized (issued) {
      return issued.size();
    }
  }

  private void dropExpired(long now) {
    Iterator<Map.Entry<String, Issued>> it = issued.entrySet().iterator();
    while (it.hasNext() && now - it.next().getValue().expiresAt() >= 0) {
      it.remove();
    }
  }
}
