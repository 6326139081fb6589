package io.sluice.controlplane.history;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.rules.OneLineText;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.stereotype.Component;

/**
 * Deletes a service's oldest history entries beyond {@link HistorySettings#maxEntriesPerService()},
 * right after each write of its rules (see {@code RuleStore}), so that history cannot grow etcd's
 * database without bound.
 *
 * <p>History keys sort by their zero-padded revision, so the oldest are the first keys of the
 * service's range of revision keys, from revision 0's to {@code Long.MAX_VALUE}'s (keys written
 * around the API under its prefix that sort outside it are neither counted nor deleted; one that
 * sorts inside, as a revision's key with a suffix, counts as an entry): one count, one read of the
 * keys to delete (keys only, at the count's revision) and one range delete below the oldest entry
 * kept. A run deletes at most {@link #MAX_DELETED_PER_WRITE} entries, so a service far over the
 * bound (the bound lowered, or an upgrade to a version that keeps one) comes down to it over its
 * next writes rather than in one large request. Control planes that trim the same service at once
 * each keep at least the bound: each cut is computed from one snapshot that held at least the bound
 * above it, and entries are only ever added above. (Read at two revisions, a trim that ran between
 * them made the second read start higher, and the cut land that many entries too high.)
 *
 * <p>Never throws: the write it follows is committed, and its caller gets its revision; a failed
 * trim is logged and done again at the next write.
 */
@Component
public final class HistoryRetention {

  private static final Logger LOG = Logger.getLogger(HistoryRetention.class.getName());

  /** The most entries one trim deletes. */
  static final int MAX_DELETED_PER_WRITE = 1000;

  private final EtcdGateway etcd;
  private final int maxEntries;

  public HistoryRetention(EtcdGateway etcd, HistorySettings settings) {
    this.etcd = etcd;
    this.maxEntries = settings.maxEntriesPerService();
  }

  /**
   * Deletes the oldest entries of {@code service}'s history beyond the bound.
   *
   * @return how many were deleted
   */
  public long trim(String service) {
    if (maxEntries == 0) {
      return 0;
    }
    try {
      return trimOrThrow(service);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "the oldest history entries of "
              + OneLineText.escape(service)
              + " beyond "
              + maxEntries
              + " were not deleted; the next write of its rules tries again: "
              + OneLineText.escape(String.valueOf(e.getMessage())));
      return 0;
    }
  }

  /** The bound: the newest entries each service keeps; 0 keeps every entry. */
  int maxEntries() {
    return maxEntries;
  }

  /**
   * Deletes the oldest entries of {@code service}'s history beyond the bound (at most {@link
   * #MAX_DELETED_PER_WRITE}), as {@link #trim} does, but lets a failed etcd call's exception out.
   *
   * @return how many were deleted
   */
  long trimOrThrow(String service) {
    if (maxEntries == 0) {
      return 0;
    }
    // the keys of revisions 0 to Long.MAX_VALUE, and what sorts between them
    ByteSequence from = EtcdGateway.bytes(etcd.keys().history(service, 0));
    ByteSequence end = EtcdGateway.bytes(HistoryStore.revisionsEnd(etcd.keys(), service));
    GetResponse counted =
        etcd.await(
            etcd.kv().get(from, GetOption.builder().withRange(end).withCountOnly(true).build()),
            "count the history of " + service);
    long excess = Math.min(counted.getCount() - maxEntries, MAX_DELETED_PER_WRITE);
    if (excess <= 0) {
      return 0;
    }
    // the oldest entries and, last, the oldest one kept, as of the count: the delete ends below
    // it
    List<KeyValue> oldest =
        etcd.await(
                etcd.kv()
                    .get(
                        from,
                        GetOption.builder()
                            .withRange(end)
                            .withRevision(counted.getHeader().getRevision())
                            .withKeysOnly(true)
                            .withSortField(GetOption.SortTarget.KEY)
                            .withSortOrder(GetOption.SortOrder.ASCEND)
                            .withLimit(excess + 1)
                            .build()),
                "read the oldest history keys of " + service)
            .getKvs();
    ByteSequence firstKept = oldest.get((int) excess).getKey();
    return etcd.commit(
            etcd.kv().delete(from, DeleteOption.builder().withRange(firstKept).build()),
            "delete the oldest history entries of " + service)
        .getDeleted();
  }
}
