package io.sluice.controlplane.history;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
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
 * <p>History keys sort by their zero-padded revision, so the oldest are the first keys under the
 * service's prefix: one count, one read of the keys to delete (keys only) and one range delete
 * below the oldest entry kept. A run deletes at most {@link #MAX_DELETED_PER_WRITE} entries, so a
 * service far over the bound (the bound lowered, or an upgrade to a version that keeps one) comes
 * down to it over its next writes rather than in one large request. Control planes that trim the
 * same service at once each keep at least the bound: every cut is computed from a read that found
 * at least that many entries above it, and entries are only ever added above.
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
      ByteSequence from = EtcdGateway.bytes(etcd.keys().historyPrefix(service));
      ByteSequence end = OptionsUtil.prefixEndOf(from);
      long count =
          etcd.await(
                  etcd.kv()
                      .get(from, GetOption.builder().withRange(end).withCountOnly(true).build()),
                  "count the history of " + service)
              .getCount();
      long excess = Math.min(count - maxEntries, MAX_DELETED_PER_WRITE);
      if (excess <= 0) {
        return 0;
      }
      // the oldest entries and, last, the oldest one kept: the delete ends below it
      List<KeyValue> oldest =
          etcd.await(
                  etcd.kv()
                      .get(
                          from,
                          GetOption.builder()
                              .withRange(end)
                              .withKeysOnly(true)
                              .withSortField(GetOption.SortTarget.KEY)
                              .withSortOrder(GetOption.SortOrder.ASCEND)
                              .withLimit(excess + 1)
                              .build()),
                  "read the oldest history keys of " + service)
              .getKvs();
      if (oldest.size() <= excess) {
        return 0; // another control plane trimmed it meanwhile
      }
      ByteSequence firstKept = oldest.get((int) excess).getKey();
      return etcd.commit(
              etcd.kv().delete(from, DeleteOption.builder().withRange(firstKept).build()),
              "delete the oldest history entries of " + service)
          .getDeleted();
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
}
