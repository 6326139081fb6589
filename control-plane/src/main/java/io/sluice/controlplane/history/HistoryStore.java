package io.sluice.controlplane.history;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.rules.OneLineText;
import io.sluice.rules.wire.EtcdKeys;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.stereotype.Component;

/**
 * Reads the history of a service's rules, newest first. Merges in the journal entry of the latest
 * change when its history key has not been written yet (see {@code RuleStore}), so a reader always
 * sees every change the history keeps (the newest ones of each service: {@link HistoryRetention}).
 *
 * <p>An entry this version cannot read (written around the API, or by a newer control plane with a
 * field or action it does not know, during a rolling upgrade) is left out, with one warning per
 * key: it must not take the rest of the history down with it. Asked for by its revision ({@link
 * #get}), such an entry is a conflict (409 {@code history-entry-unreadable}), not a 404: it is
 * there, this version just cannot read it. The keys warned about are remembered up to {@link
 * #MAX_WARNED_KEYS}, so the set cannot grow with every key written around the API.
 */
@Component
public final class HistoryStore {

  private static final Logger LOG = Logger.getLogger(HistoryStore.class.getName());

  /** How many unreadable keys are remembered as warned about; past it, the oldest are forgotten. */
  static final int MAX_WARNED_KEYS = 1024;

  /** Reads of a page in a row that etcd's compaction may overtake before it fails saying so. */
  static final int MAX_ATTEMPTS = 3;

  /** How many keys a page reads at a time below unreadable entries that made it short. */
  private static final long READ_ON_BATCH = 16;

  /**
   * The most keys a page reads on below unreadable entries; past them, it leads on below the lowest
   * read, as a page of those keys would.
   */
  private static final long MAX_KEYS_READ_ON = 256;

  /**
   * The stored entries a page reads at most, in bytes (with their keys), before it leads on below
   * them: entries hold whole documents of up to 256 KiB, and a page of 200 read up to 51 MB into
   * memory for one request (the web UI asks for 50 at every change of the service's rules). A page
   * ends past this by at most one read's page (8 entries, or 4 MiB at the largest entry seen: see
   * {@code EtcdGateway#getPrefixDescending}), and holds at least one entry: a page with none
   * readable yet reads on, to {@link #MAX_EMPTY_PAGE_BYTES}.
   */
  static final long MAX_PAGE_BYTES = 4L * 1024 * 1024;

  /**
   * The bytes a page with no readable entry reads on to before it leads on below them all the same
   * (as past {@link #MAX_KEYS_READ_ON} keys): entries a newer control plane wrote, 256 keys of 256
   * KiB, would be 64 MiB from etcd for one page.
   */
  static final long MAX_EMPTY_PAGE_BYTES = 4 * MAX_PAGE_BYTES;

  private final EtcdGateway etcd;
  private final HistoryCodec codec;
  private final HistorySettings settings;
  private final WarnedKeys unreadableLogged = new WarnedKeys(MAX_WARNED_KEYS);

  HistoryStore(EtcdGateway etcd, HistoryCodec codec, HistorySettings settings) {
    this.etcd = etcd;
    this.codec = codec;
    this.settings = settings;
  }

  /**
   * 404 for a revision {@link #get} found no entry at: none was written there, or the history no
   * longer keeps it (older than the newest entries it keeps, see {@link HistoryRetention}).
   */
  public ApiException noEntry(String service, long revision) {
    int kept = settings.maxEntriesPerService();
    return new ApiException(
        ProblemType.NOT_FOUND,
        "no history entry of "
            + OneLineText.escape(service)
            + " at revision "
            + revision
            + (kept == 0
                ? ""
                : " (the history keeps the newest "
                    + kept
                    + " entries of each service: sluice.history.max-entries-per-service)"));
  }

  /**
   * One page of a service's history, newest first, as of one revision: the history keys and the
   * journal are read at the same revision, so a change committed meanwhile is either in the page
   * with every change before it, or not yet (the next read has it). Read at two revisions, a change
   * committed between them could be left out while an older one was shown, as the newest. (Keys
   * read on below unreadable entries that made the page short are read later: older entries, which
   * no write changes, though retention may have deleted some since.)
   *
   * @param before only entries with a revision below this, or {@code null} for the newest
   * @param limit at most this many entries
   * @throws EtcdUnavailableException {@link EtcdUnavailableException#compactions()} when etcd
   *     compacted away the revision of the page each time it was read ({@link #MAX_ATTEMPTS})
   */
  public HistoryPage<HistoryEntry> page(String service, Long before, int limit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return pageOnce(service, before, limit);
      } catch (EtcdUnavailableException e) {
        // the range's own reader has retried its compactions already (compactions() > 0)
        if (!e.compacted() || e.compactions() > 0) {
          throw e;
        }
        if (attempt == MAX_ATTEMPTS) {
          throw EtcdUnavailableException.compactedEachTime(e, attempt);
        }
        LOG.fine("the revision of a history page was compacted away; reading it again");
      }
    }
  }

  private HistoryPage<HistoryEntry> pageOnce(String service, Long before, int limit) {
    String prefix = etcd.keys().historyPrefix(service);
    // one more than the page, to know whether there is a next one; read in pages of their own, as
    // entries hold whole documents
    // The first page ends above the highest revision key, not at the prefix's end: keys written
    // around the API that sort above every revision ("notes", a backup tool's) would fill it, and
    // the service would look as if it had almost no history.
    EtcdGateway.Range read =
        etcd.getPrefixDescending(
            prefix,
            before == null
                ? revisionsEnd(etcd.keys(), service)
                : etcd.keys().history(service, before),
            limit + 1L,
            MAX_PAGE_BYTES);
    long bytesRead = read.bytes();
    // the journal as of the range: a change committed since is in neither
    Optional<HistoryEntry> journal = journal(service, read.revision());
    List<HistoryEntry> entries = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    long lowest = readable(read, prefix, entries, seen);
    // Entries left out (unreadable) made the page short while etcd holds more keys below: read on
    // below the lowest one read, in batches, until the page is full or the revision keys end, so
    // that a page leads on only to entries there are (a page of unreadable keys alone would be an
    // empty one). Keys below the first read are older entries; retention may have deleted some
    // since, which is as if the page were read a moment later. At most MAX_KEYS_READ_ON keys:
    // a history unreadable all the way down (written by a newer control plane) is paged through
    // as it is, not read whole for one page. A page whose entries took MAX_PAGE_BYTES leads on
    // below them too, however few they are; one with no readable entry yet reads on to
    // MAX_EMPTY_PAGE_BYTES (an empty page that leads on reads as a service without history).
    long readOn = 0;
    Long leadsOn = null;
    while (entries.size() <= limit && read.more() && lowest > 0) {
      long maxBytes = entries.isEmpty() ? MAX_EMPTY_PAGE_BYTES : MAX_PAGE_BYTES;
      if (readOn >= MAX_KEYS_READ_ON || bytesRead >= maxBytes) {
        leadsOn = lowest;
        break;
      }
      long batch = Math.max(limit + 1L - entries.size(), READ_ON_BATCH);
      read =
          etcd.getPrefixDescending(
              prefix, etcd.keys().history(service, lowest), batch, maxBytes - bytesRead);
      readOn += read.kvs().size();
      bytesRead += read.bytes();
      lowest = readable(read, prefix, entries, seen);
    }
    // The journal always holds the latest change, so when it is missing from the keys it is the
    // newest entry of all.
    journal
        .filter(j -> !seen.contains(j.revision()) && (before == null || j.revision() < before))
        .ifPresent(j -> entries.add(0, j));
    boolean more = entries.size() > limit;
    List<HistoryEntry> page = more ? List.copyOf(entries.subList(0, limit)) : List.copyOf(entries);
    Long next = more ? Long.valueOf(page.get(page.size() - 1).revision()) : leadsOn;
    return new HistoryPage<>(page, next);
  }

  /**
   * Adds the readable entries of {@code read} to {@code entries}, in its order, and the revisions
   * of all its revision keys, readable or not, to {@code seen}.
   *
   * @return the lowest of those revisions; 0 when it has no revision key (the read ends there)
   */
  private long readable(
      EtcdGateway.Range read, String prefix, List<HistoryEntry> entries, Set<Long> seen) {
    long lowest = 0;
    for (KeyValue kv : read.kvs()) {
      long revision = revisionOf(EtcdGateway.text(kv.getKey()), prefix);
      if (revision > 0) {
        readable(kv, revision).ifPresent(entries::add);
        seen.add(revision);
        lowest = lowest == 0 ? revision : Math.min(lowest, revision);
      }
    }
    return lowest;
  }

  /**
   * The key just above {@code service}'s highest possible revision key: the end (exclusive) of its
   * revision keys, which leaves out what else sorts under its prefix (keys written around the API).
   */
  static String revisionsEnd(EtcdKeys keys, String service) {
    return keys.history(service, Long.MAX_VALUE) + "\0";
  }

  /**
   * One past version, if there is one at that revision. Its history key and the journal are read in
   * one transaction, so at one revision: read one after the other, a change committed between the
   * two reads (which copies the journal's entry to its history key, and replaces the journal) made
   * an entry that is there answer 404.
   *
   * @throws ApiException {@code history-entry-unreadable} (409) when there is an entry at that
   *     revision that this version cannot read
   */
  public Optional<HistoryEntry> get(String service, long revision) {
    return get(service, revision, false);
  }

  /**
   * As {@link #get(String, long)}, for the rollback that restores it: a read the write is made of,
   * which waits the full deadline as the write does (see {@link EtcdGateway#awaitForWrite}).
   */
  public Optional<HistoryEntry> toRestore(String service, long revision) {
    return get(service, revision, true);
  }

  private Optional<HistoryEntry> get(String service, long revision, boolean forWrite) {
    String historyKey = etcd.keys().history(service, revision);
    String journalKey = HistoryCodec.journalKey(etcd.keys(), service);
    CompletableFuture<TxnResponse> call =
        etcd.txn()
            .Then(
                Op.get(EtcdGateway.bytes(historyKey), GetOption.DEFAULT),
                Op.get(EtcdGateway.bytes(journalKey), GetOption.DEFAULT))
            .commit();
    String what = "read " + historyKey + " and " + journalKey;
    TxnResponse read = forWrite ? etcd.awaitForWrite(call, what) : etcd.await(call, what);
    List<KeyValue> entry = read.getGetResponses().get(0).getKvs();
    if (!entry.isEmpty()) {
      return Optional.of(readOrRefuse(service, entry.get(0), revision));
    }
    List<KeyValue> journal = read.getGetResponses().get(1).getKvs();
    if (!journal.isEmpty() && journal.get(0).getModRevision() == revision) {
      return Optional.of(readOrRefuse(service, journal.get(0), revision));
    }
    return Optional.empty();
  }

  private HistoryEntry readOrRefuse(String service, KeyValue kv, long revision) {
    return readable(kv, revision)
        .orElseThrow(
            () ->
                new ApiException(
                    ProblemType.HISTORY_ENTRY_UNREADABLE,
                    "the history entry of "
                        + OneLineText.escape(service)
                        + " at revision "
                        + revision
                        + " is stored but this control plane cannot read it (written around the"
                        + " API, or by a newer control plane); the server log says why",
                    Map.of("revision", revision)));
  }

  /**
   * The journal's entry as of {@code revision}; compacted away, an {@link
   * EtcdUnavailableException#compacted()}.
   */
  private Optional<HistoryEntry> journal(String service, long revision) {
    GetResponse read =
        etcd.get(
            HistoryCodec.journalKey(etcd.keys(), service),
            GetOption.builder().withRevision(revision).build());
    if (read.getKvs().isEmpty()) {
      return Optional.empty();
    }
    KeyValue kv = read.getKvs().get(0);
    return readable(kv, kv.getModRevision());
  }

  private Optional<HistoryEntry> readable(KeyValue kv, long revision) {
    try {
      return Optional.of(codec.read(kv.getValue().getBytes(), revision));
    } catch (RuntimeException e) {
      String key = EtcdGateway.text(kv.getKey());
      if (unreadableLogged.firstTime(key + "@" + kv.getModRevision())) {
        LOG.log(
            Level.WARNING,
            "History entry "
                + key
                + " (revision "
                + revision
                + ") cannot be read and is left out of the history: "
                // one line: the parse's message repeats the stored text, and runs over two lines
                + OneLineText.escape(String.valueOf(e.getMessage())));
      }
      return Optional.empty();
    }
  }

  private static long revisionOf(String key, String prefix) {
    try {
      return Long.parseLong(key.substring(prefix.length()));
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
