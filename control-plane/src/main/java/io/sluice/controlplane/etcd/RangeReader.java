package io.sluice.controlplane.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.sluice.etcd.Causes;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Reads a key range in pages, every page at the revision of the first, so that a range of any size
 * arrives as one consistent snapshot and no single answer exceeds the client's inbound message
 * limit ({@link #MAX_INBOUND_BYTES}).
 *
 * <h2>Design note: how large a page is</h2>
 *
 * etcd's Range call limits the number of keys, never the bytes, and a gRPC answer larger than the
 * client's inbound limit is refused whole ({@code RESOURCE_EXHAUSTED}). Values range from agent
 * statuses of a few KiB to rule documents and history entries of hundreds of KiB (the API takes
 * bodies up to 256 KiB, and etcd stores values up to 1.5 MiB unless configured otherwise). So:
 *
 * <ul>
 *   <li>the first page asks for {@link #MIN_PAGE_KEYS} keys: even at etcd's largest value that is
 *       far below the inbound limit;
 *   <li>each later page asks for as many keys as fit {@link #PAGE_BYTES} at the largest entry seen
 *       so far, between {@link #MIN_PAGE_KEYS} and {@link #MAX_PAGE_KEYS}: thousands of small agent
 *       statuses take a few round trips, large documents come a dozen at a time;
 *   <li>should a page still be refused as too large (its values much larger than all before), it is
 *       asked again with {@link #MIN_PAGE_KEYS}, and so is the rest of the range.
 * </ul>
 *
 * <h2>Consistency</h2>
 *
 * Pages after the first are read at the first page's revision, so keys written or deleted during
 * the read neither appear twice nor go missing. If etcd compacts that revision away before the last
 * page, the read starts over at the latest revision (at most {@link #MAX_ATTEMPTS} times in all);
 * the last time, it fails saying so ({@link EtcdUnavailableException#compactions()}), which the
 * API's 503 tells instead of an outage, and which opens no stretch of the outage log: etcd answered
 * ({@link EtcdUnavailableException#compacted()}). Each page has the gateway's deadline.
 */
final class RangeReader {

  /** The client's inbound gRPC message limit (gRPC's default is 4 MiB). */
  static final int MAX_INBOUND_BYTES = 16 * 1024 * 1024;

  /** What a page should hold, keys and values together: a quarter of the inbound limit. */
  static final long PAGE_BYTES = MAX_INBOUND_BYTES / 4;

  /** Keys per page at least: 8 of etcd's largest values (1.5 MiB) still fit the inbound limit. */
  static final int MIN_PAGE_KEYS = 8;

  /** Keys per page at most, however small the values. */
  static final int MAX_PAGE_KEYS = 1_000;

  static final int MAX_ATTEMPTS = 3;

  private static final Logger LOG = Logger.getLogger(RangeReader.class.getName());
  private static final ByteSequence ZERO = ByteSequence.from(new byte[] {0});

  /**
   * Reads one page within the deadline; fails with {@link EtcdUnavailableException}, or {@link
   * EtcdRefusedException} when the page is too large for the client.
   */
  interface PageSource {
    /**
     * @param what the page, as failures say it ({@link #page}): the range's start, and for a page
     *     after the first the key it goes on from
     */
    GetResponse get(ByteSequence from, GetOption option, String what);
  }

  private final PageSource pages;

  RangeReader(PageSource pages) {
    this.pages = pages;
  }

  /**
   * Reads the keys of {@code [from, to)}.
   *
   * @param descending highest key first, else lowest first
   * @param maxKeys at most this many keys, from the first in that order
   */
  EtcdGateway.Range read(ByteSequence from, ByteSequence to, boolean descending, long maxKeys) {
    return read(from, to, descending, maxKeys, false, Long.MAX_VALUE);
  }

  /**
   * As {@link #read(ByteSequence, ByteSequence, boolean, long)}, ending early once the keys and
   * values read add up to {@code maxBytes} or more (then {@code more} says whether keys follow):
   * for a caller that holds all it reads at once. The first page is read whatever its size ({@link
   * #MIN_PAGE_KEYS} keys); a later page asks for no more keys than the bytes left fit at the
   * average entry seen (one at least, and as many as {@link #pageKeys} allows at the largest entry
   * seen at most), so the read ends past {@code maxBytes} by at most one page: {@link
   * #MIN_PAGE_KEYS} entries, or {@link #PAGE_BYTES} at the largest entry seen.
   */
  EtcdGateway.Range readUpTo(
      ByteSequence from, ByteSequence to, boolean descending, long maxKeys, long maxBytes) {
    return read(from, to, descending, maxKeys, false, maxBytes);
  }

  /**
   * Reads the keys of {@code [from, to)}, each with its revisions but without its value when {@code
   * keysOnly}: for callers that only need to know which keys exist and when they changed.
   */
  EtcdGateway.Range read(
      ByteSequence from, ByteSequence to, boolean descending, long maxKeys, boolean keysOnly) {
    return read(from, to, descending, maxKeys, keysOnly, Long.MAX_VALUE);
  }

  private EtcdGateway.Range read(
      ByteSequence from,
      ByteSequence to,
      boolean descending,
      long maxKeys,
      boolean keysOnly,
      long maxBytes) {
    for (int attempt = 1; ; attempt++) {
      try {
        return readOnce(from, to, descending, maxKeys, keysOnly, maxBytes);
      } catch (EtcdUnavailableException e) {
        if (!e.compacted()) {
          throw e;
        }
        if (attempt == MAX_ATTEMPTS) {
          // etcd answered each time: the 503 says the compactions, not an outage alone
          throw EtcdUnavailableException.compactedEachTime(e, attempt);
        }
        LOG.fine("the revision of a paged read was compacted away; reading again at the latest");
      }
    }
  }

  private EtcdGateway.Range readOnce(
      ByteSequence from,
      ByteSequence to,
      boolean descending,
      long maxKeys,
      boolean keysOnly,
      long maxBytes) {
    List<KeyValue> kvs = new ArrayList<>();
    long revision = 0;
    long largest = 0;
    long bytes = 0;
    boolean smallPages = false;
    ByteSequence start = from;
    ByteSequence end = to;
    ByteSequence after = null; // the last key of the page before, in the read's order
    boolean more = false; // etcd's word on the last page: keys beyond it
    while (kvs.size() < maxKeys) {
      long keys = Math.min(maxKeys - kvs.size(), smallPages ? MIN_PAGE_KEYS : pageKeys(largest));
      if (!kvs.isEmpty()) {
        // the bytes left at the average entry seen, within pageKeys(largest): sized at the
        // largest, a few large entries among small ones left every later page at one key
        keys = Math.min(keys, Math.max(1, (maxBytes - bytes) / Math.max(1, bytes / kvs.size())));
      }
      GetOption option =
          GetOption.builder()
              .withRange(end)
              .withLimit(keys)
              .withSortField(GetOption.SortTarget.KEY)
              .withSortOrder(descending ? GetOption.SortOrder.DESCEND : GetOption.SortOrder.ASCEND)
              .withRevision(revision) // 0, the latest, for the first page
              .withKeysOnly(keysOnly)
              .build();
      GetResponse page;
      try {
        page = pages.get(start, option, page(from, after, descending));
      } catch (EtcdUnavailableException | EtcdRefusedException e) {
        if (keys <= MIN_PAGE_KEYS || !tooLarge(e)) {
          throw e;
        }
        smallPages = true;
        continue;
      }
      if (revision == 0) {
        revision = page.getHeader().getRevision();
      }
      List<KeyValue> got = page.getKvs();
      kvs.addAll(got);
      more = page.isMore() && !got.isEmpty();
      for (KeyValue kv : got) {
        long entry = EtcdGateway.Range.bytesOf(kv);
        largest = Math.max(largest, entry);
        bytes += entry;
      }
      if (!page.isMore() || got.isEmpty() || bytes >= maxBytes) {
        break;
      }
      ByteSequence last = got.get(got.size() - 1).getKey();
      after = last;
      if (descending) {
        end = last; // the end is exclusive
      } else {
        start = last.concat(ZERO); // the next key after it
      }
    }
    return new EtcdGateway.Range(List.copyOf(kvs), revision, more);
  }

  /**
   * A page as failures (a 503's log line, health) say it: {@code read the range from /prefix/} for
   * the first, {@code read the range from /prefix/, page after /prefix/07} for a later one ({@code
   * page before} when descending). The start of a later page is the key after the last one read
   * ({@code /prefix/07\0}): named as such, it read as a range from the last key read, which that
   * page does not hold.
   *
   * @param last the last key of the page before, {@code null} for the first page
   */
  static String page(ByteSequence from, ByteSequence last, boolean descending) {
    String range = "read the range from " + EtcdGateway.text(from);
    return last == null
        ? range
        : range + ", page " + (descending ? "before " : "after ") + EtcdGateway.text(last);
  }

  /** Keys that fit a page at the largest entry seen so far; the minimum before any is seen. */
  static long pageKeys(long largestEntryBytes) {
    if (largestEntryBytes <= 0) {
      return MIN_PAGE_KEYS;
    }
    return Math.max(MIN_PAGE_KEYS, Math.min(MAX_PAGE_KEYS, PAGE_BYTES / largestEntryBytes));
  }

  /**
   * Whether a call's failure is etcd's answer that the revision it read at is compacted away
   * ({@code OUT_OF_RANGE}, "etcdserver: mvcc: required revision has been compacted"): the gateway
   * makes it an {@link EtcdUnavailableException#compacted()}, which is no outage.
   */
  static boolean compactedAway(Throwable cause) {
    if (code(cause) != Status.Code.OUT_OF_RANGE) {
      return false;
    }
    return Causes.anyMessageContains(cause, "compacted");
  }

  private static boolean tooLarge(RuntimeException e) {
    return code(e.getCause()) == Status.Code.RESOURCE_EXHAUSTED;
  }

  /**
   * The gRPC status code of a failed call's cause; {@code UNKNOWN} without a cause (a call the
   * gateway refused before sending it, while the embedded etcd does not run).
   */
  private static Status.Code code(Throwable error) {
    for (Throwable t : Causes.of(error)) {
      if (t instanceof EtcdException etcd && etcd.getErrorCode() != ErrorCode.UNKNOWN) {
        return Status.Code.valueOf(etcd.getErrorCode().name());
      }
    }
    return GrpcStatuses.of(error).getCode();
  }
}
