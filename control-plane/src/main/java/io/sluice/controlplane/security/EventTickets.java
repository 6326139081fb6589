package io.sluice.controlplane.security;

import io.sluice.controlplane.EventSettings;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashMap;
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
 *
 * <p>Per caller: each caller keeps at most {@link #perCaller} outstanding tickets, and one more
 * drops that caller's own oldest, so one reader minting in a loop cannot push the global capacity
 * over other callers' unused tickets. A caller is its token ({@link Caller}: the token's configured
 * name and role). Callers without a token ({@link Caller#ANONYMOUS}, only while reads are open)
 * share one allowance: they cannot be told apart, and they need no ticket at all to open the stream
 * while reads are open, so losing one to another anonymous caller costs them a retry and no access,
 * while anonymous minting can never push out a token holder's ticket. Each caller's tickets are a
 * queue in issue order, which is also expiry order, so whatever leaves the global map first is the
 * head of its caller's queue: dropping costs O(1), redeeming O(per-caller bound), and the queues
 * hold no more entries than the map.
 */
final class EventTickets {

  /** Outstanding tickets kept at most: a few MB at worst, far above what readers mint in a TTL. */
  static final int MAX_OUTSTANDING = 10_000;

  private record Issued(Caller caller, long expiresAt) {}

  private final long ttlNanos;
  private final int perCaller;
  private final int capacity;
  private final LongSupplier nanoTime;
  private final SecureRandom random = new SecureRandom();

  /** Guarded by itself, as {@link #byCaller}; insertion order is expiry order. */
  private final LinkedHashMap<String, Issued> issued = new LinkedHashMap<>();

  /** Each caller's outstanding tickets, oldest first; a caller without any has no entry. */
  private final Map<Caller, ArrayDeque<String>> byCaller = new HashMap<>();

  /**
   * Tickets that live {@code settings}' {@code ticketTtl}, at most {@code maxTicketsPerCaller} of
   * one caller (both checked there, once), and at most {@code capacity} in all.
   */
  EventTickets(EventSettings settings, int capacity, LongSupplier nanoTime) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the ticket capacity must be at least 1, was " + capacity);
    }
    this.ttlNanos = settings.ticketTtl().toNanos();
    this.perCaller = settings.maxTicketsPerCaller();
    this.capacity = capacity;
    this.nanoTime = nanoTime;
  }

  /**
   * A new ticket that {@link #redeem} turns into {@code caller} once, within the TTL. Beyond the
   * per-caller bound, {@code caller}'s own oldest ticket is dropped; beyond the capacity, the
   * oldest of all.
   */
  String issue(Caller caller) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    synchronized (issued) {
      long now = nanoTime.getAsLong();
      dropExpired(now);
      ArrayDeque<String> own = byCaller.get(caller);
      if (own != null && own.size() >= perCaller) {
        // never another caller's: drop this caller's oldest, which keeps it at the bound
        issued.remove(own.pollFirst());
      }
      Iterator<Map.Entry<String, Issued>> it = issued.entrySet().iterator();
      while (issued.size() >= capacity) {
        Map.Entry<String, Issued> oldest = it.next();
        it.remove();
        forgetOldestOf(oldest.getValue().caller());
      }
      issued.put(ticket, new Issued(caller, now + ttlNanos));
      byCaller.computeIfAbsent(caller, c -> new ArrayDeque<>()).addLast(ticket);
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
      if (found != null) {
        ArrayDeque<String> own = byCaller.get(found.caller());
        own.remove(ticket);
        if (own.isEmpty()) {
          byCaller.remove(found.caller());
        }
      }
    }
    return liveCaller(found, now);
  }

  /**
   * The caller who minted {@code ticket}, or {@code null} when it is unknown, used or expired,
   * leaving the ticket as it is: for a request that opens no stream (a {@code HEAD}).
   */
  Caller holder(String ticket) {
    Issued found;
    long now;
    synchronized (issued) {
      found = issued.get(ticket);
      now = nanoTime.getAsLong();
    }
    return liveCaller(found, now);
  }

  /** The caller of a ticket found, if it had not expired at {@code now}; else null. */
  private static Caller liveCaller(Issued found, long now) {
    return found != null && now - found.expiresAt() < 0 ? found.caller() : null;
  }

  /** Tickets kept now, expired ones not yet dropped included; for tests. */
  int outstanding() {
    synchronized (issued) {
      return issued.size();
    }
  }

  /** Callers with tickets kept now; for tests. */
  int callers() {
    synchronized (issued) {
      return byCaller.size();
    }
  }

  private void dropExpired(long now) {
    Iterator<Map.Entry<String, Issued>> it = issued.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Issued> oldest = it.next();
      if (now - oldest.getValue().expiresAt() < 0) {
        return;
      }
      it.remove();
      forgetOldestOf(oldest.getValue().caller());
    }
  }

  /**
   * Drops the ticket of {@code caller} that just left the global map as the oldest of all: the
   * oldest of its caller's too, so the head of that queue.
   */
  private void forgetOldestOf(Caller caller) {
    ArrayDeque<String> own = byCaller.get(caller);
    own.pollFirst();
    if (own.isEmpty()) {
      byCaller.remove(caller);
    }
  }
}
