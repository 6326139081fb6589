package io.sluice.controlplane.agents;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.rules.wire.AgentStatus;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;

/**
 * One page of {@code GET /api/v1/agents}, for a fleet too large to take in one answer: at most
 * {@code limit} agents after a cursor, in the inventory's order (service, then instance id; {@link
 * AgentInventory#all}).
 *
 * <p>The cursor names the last agent of the previous page, not an offset: an agent that comes or
 * goes between two requests moves no other agent to another page, so a script walking the pages
 * sees once every agent that lived throughout. It is opaque to clients (base64url of the agent's
 * service and instance id, which an agent may write any characters into). Two statuses naming the
 * same service and instance (keys written around the agents) are never split over two pages, or the
 * second would be skipped.
 *
 * @param agents the agents of the page
 * @param next what to pass as {@code after} for the next page, or {@code null} on the last one
 */
record AgentPage(List<AgentStatus> agents, String next) {

  /** The most agents one page holds: an agent's status may be tens of kilobytes. */
  static final int MAX_LIMIT = 500;

  /**
   * The page of {@code sorted} after {@code after} (from the start when {@code null} or empty), of
   * at most {@code limit} agents, or all that follow when {@code limit} is {@code null}.
   *
   * @throws ApiException {@code invalid-request} for a limit out of 1 to {@link #MAX_LIMIT} or a
   *     cursor no page gave
   */
  static AgentPage of(List<AgentStatus> sorted, String after, Long limit) {
    if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "limit must be between 1 and " + MAX_LIMIT + ", or left out for every agent");
    }
    int from = 0;
    if (after != null && !after.isEmpty()) {
      Position position = Position.parse(after);
      while (from < sorted.size() && position.compareTo(Position.of(sorted.get(from))) >= 0) {
        from++;
      }
    }
    int to = limit == null ? sorted.size() : (int) Math.min(sorted.size(), from + limit);
    // never between two statuses of the same name: the cursor could not tell them apart
    while (to > from
        && to < sorted.size()
        && Position.of(sorted.get(to)).equals(Position.of(sorted.get(to - 1)))) {
      to++;
    }
    // limit is 1 or more: a page that stops short of the end holds an agent to go on after
    String next = to < sorted.size() ? Position.of(sorted.get(to - 1)).cursor() : null;
    return new AgentPage(List.copyOf(sorted.subList(from, to)), next);
  }

  /** Where an agent stands in the inventory's order. */
  private record Position(String service, String instanceId) implements Comparable<Position> {

    static Position of(AgentStatus a) {
      return new Position(a.service(), a.instanceId());
    }

    /**
     * {@code <length of service>:<service><instanceId>} as UTF-16 code units (big-endian),
     * base64url without padding. Code units, not UTF-8: a name may hold a lone surrogate, which an
     * encoder replaces with {@code ?}, and the cursor would name another position, before the
     * agent: the same page again, forever.
     */
    String cursor() {
      String plain = service.length() + ":" + service + instanceId;
      ByteBuffer units = ByteBuffer.allocate(plain.length() * Character.BYTES);
      units.asCharBuffer().put(plain);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(units.array());
    }

    static Position parse(String cursor) {
      try {
        byte[] bytes = Base64.getUrlDecoder().decode(cursor);
        String plain =
            bytes.length % Character.BYTES == 0
                ? ByteBuffer.wrap(bytes).asCharBuffer().toString()
                : "";
        int colon = plain.indexOf(':');
        String digits = plain.substring(0, Math.max(colon, 0));
        if (!digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
          int start = colon + 1;
          int end = start + Integer.parseInt(digits);
          if (end <= plain.length()) {
            return new Position(plain.substring(start, end), plain.substring(end));
          }
        }
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        // said below, as any other cursor no page gave
      }
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "after must be the X-Sluice-Next-After of the previous page, or left out for the first");
    }

    @Override
    public int compareTo(Position other) {
      int byService = service.compareTo(other.service);
      return byService != 0 ? byService : instanceId.compareTo(other.instanceId);
    }
  }
}
