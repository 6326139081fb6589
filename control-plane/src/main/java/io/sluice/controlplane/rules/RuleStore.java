package io.sluice.controlplane.rules;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ApiLimits;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.etcd.EtcdGateway;
import io.sluice.controlplane.etcd.EtcdUnavailableException;
import io.sluice.controlplane.history.HistoryAction;
import io.sluice.controlplane.history.HistoryCodec;
import io.sluice.controlplane.history.HistoryEntry;
import io.sluice.controlplane.history.HistoryRetention;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Reads and writes rule documents in etcd, each write together with its history entry in one
 * transaction.
 *
 * <h2>Design note: atomic writes whose history key is the write's own revision</h2>
 *
 * The contract keys history by the revision of the change, {@code
 * {ns}/v1/history/{service}/{revision:020d}}, and a transaction only learns its revision after it
 * commits. Guessing "current store revision + 1" is unsound: agents write their status keys all the
 * time, and etcd cannot compare the store's revision inside a transaction (a compare names one key,
 * and deletes leave no key behind to compare against). A write and a later, separate history put
 * would not be atomic: a crash in between loses the entry.
 *
 * <p>So every write is one transaction that
 *
 * <ol>
 *   <li>compares the rules key's mod revision with the one the caller saw (or the one just read,
 *       for writes without {@code If-Match}) <em>and</em> the service's journal key's mod revision
 *       with the one just read;
 *   <li>puts (or deletes) the document;
 *   <li>puts the change's history entry into the service's <em>journal</em> key, {@code
 *       {ns}/v1/journal/{service}}. Its mod revision is, by construction, exactly the revision of
 *       the change;
 *   <li>copies the previous journal entry to its history key, {@code history/{service}/{J}} where J
 *       is the journal's mod revision just compared. The value is immutable, so rewriting an entry
 *       that is already there changes nothing but its mod revision.
 * </ol>
 *
 * After the commit the store writes {@code history/{service}/{W}} from the response's revision W
 * right away, so normally history keys are complete immediately. If the control plane dies between
 * the two steps, the entry is still in the journal: readers ({@code HistoryStore}) merge it in, and
 * the next write of the service copies it over in its own transaction. No change ever lacks its
 * history entry (until it is among the oldest beyond the service's bound, which {@code
 * HistoryRetention} deletes once a write has released its turn), and two racing writers can never
 * both win: the loser's compare fails and nothing of it is written. The loser reads again after a
 * short random pause ({@link ContentionPause}), so that writers who lost together do not meet
 * again, and judges its precondition against what it reads: an {@code If-Match} that no longer
 * holds is 412 with the revision now stored, anything else a fresh attempt; after 20 attempts all
 * lost, 409 {@code write-contention}. Writes of one service through this control plane take turns
 * ({@link ServiceWriteLocks}), so they never beat each other: only another control plane's writes
 * (or etcdctl's) can. A write that waited its turn behind one that found etcd unavailable answers
 * 503 {@code etcd-unavailable} without a call of its own: else each would wait out the etcd
 * deadline in turn, and the later ones reach the turn's wait limit (409).
 *
 * <h2>Sizes</h2>
 *
 * A change's transaction carries its document up to three times: in the rules key, in the new
 * journal entry, and (the previous document) in the previous entry's history key. etcd refuses a
 * request over its {@code --max-request-bytes} (1.5 MiB by default) on every attempt, so the store
 * measures before sending: a document over {@link ApiLimits#MAX_BODY_BYTES} in its stored (compact,
 * canonical) form, or a transaction over {@code sluice.etcd.max-request-bytes}, is refused with 413
 * before anything is written. Storing no document larger than a request body also keeps {@code GET}
 * then {@code PUT} working for every stored document.
 *
 * <p>The store keeps no state of the rules (its locks only order its own writes): two control
 * planes on one etcd stay correct.
 */
@Component
public final class RuleStore {

  private static final Logger LOG = Logger.getLogger(RuleStore.class.getName());
  private static final int MAX_ATTEMPTS = 20;

  /**
   * How long a write waits for the writes of its service before it on this control plane ({@link
   * ServiceWriteLocks}).
   */
  private static final Duration TURN_WAIT = Duration.ofSeconds(15);

  /** An expected revision meaning "any, as long as the document exists" ({@code If-Match: *}). */
  public static final long ANY_EXISTING = -1;

  /**
   * An expected revision no document ever has: an {@code If-Match} tag of digits that is not a
   * revision as its ETag gives it ({@code "026"}, {@code "0"}). The write fails as a stale one does
   * (412 with the current revision), as for any other tag that does not match.
   */
  public static final long NO_REVISION = -2;

  private final EtcdGateway etcd;
  private final HistoryCodec history;
  private final HistoryRetention retention;
  private final Clock clock;
  private final ContentionPause pause = ContentionPause.DEFAULT;
  private final ServiceWriteLocks turns;

  @Autowired
  RuleStore(EtcdGateway etcd, HistoryCodec history, HistoryRetention retention, Clock clock) {
    this(etcd, history, retention, clock, TURN_WAIT);
  }

  /**
   * @param turnWait how long a write waits for the writes of its service before it (a test's
   *     shorter wait; {@link #TURN_WAIT} otherwise)
   */
  RuleStore(
      EtcdGateway etcd,
      HistoryCodec history,
      HistoryRetention retention,
      Clock clock,
      Duration turnWait) {
    this.etcd = etcd;
    this.history = history;
    this.retention = retention;
    this.clock = clock;
    this.turns = new ServiceWriteLocks(turnWait);
  }

  /** The turns its writes take ({@link ServiceWriteLocks}): a test holds one to line writes up. */
  ServiceWriteLocks turns() {
    return turns;
  }

  /**
   * A stored document.
   *
   * @param service the service
   * @param revision the document's mod revision, its ETag
   * @param document the document's JSON (canonical form, compact)
   */
  public record StoredRules(String service, long revision, String document) {}

  /**
   * What a write expects of the stored document, from {@code If-Match} or {@code If-None-Match};
   * {@code null} where a write takes no condition. Holds when the document is at any one of the
   * revisions (RFC 9110: {@code If-Match: "3", "4"} holds at 3 and at 4).
   *
   * @param revisions the revisions the document may be at: mod revisions, each as an ETag names it
   *     ({@link #NO_REVISION} for a tag that names none); or {@link #ANY_EXISTING} alone ({@code
   *     If-Match: *}); or 0 alone ({@code If-None-Match: *}, "must not exist")
   */
  public record Expected(List<Long> revisions) {

    public Expected {
      revisions = List.copyOf(revisions);
      if (revisions.isEmpty()) {
        throw new IllegalArgumentException("an expectation names at least one revision");
      }
    }

    /** The document at exactly {@code revision} (0: must not exist). */
    public static Expected revision(long revision) {
      return new Expected(List.of(revision));
    }

    /** Whether any existing document will do ({@code If-Match: *}). */
    boolean anyExisting() {
      return revisions.contains(ANY_EXISTING);
    }

    /** Whether this is an {@code If-Match} (not {@code If-None-Match: *}, "must not exist"). */
    boolean ifMatch() {
      return !revisions.equals(List.of(0L));
    }

    /** Whether a document at {@code current} (0: none) meets the expectation. */
    boolean holds(long current) {
      return anyExisting() ? current != 0 : revisions.contains(current);
    }
  }

  /**
   * Who makes a change and why.
   *
   * @param author the token name
   * @param comment the {@code X-Sluice-Comment} header, or {@code null}
   */
  public record Change(String author, String comment) {}

  /** The service's document, if it has one. */
  public Optional<StoredRules> get(String service) {
    GetResponse read = etcd.get(etcd.keys().rules(service), GetOption.DEFAULT);
    if (read.getKvs().isEmpty()) {
      return Optional.empty();
    }
    KeyValue kv = read.getKvs().get(0);
    return Optional.of(
        new StoredRules(service, kv.getModRevision(), EtcdGateway.text(kv.getValue())));
  }

  /**
   * The revision of every stored document by service, as of one revision: the keys alone are read,
   * not the documents (up to a request body each), for the services list that needs no more.
   */
  public Map<String, Long> revisions() {
    Map<String, Long> revisions = new TreeMap<>();
    for (KeyValue kv : etcd.getPrefixKeys(etcd.keys().rulesPrefix()).kvs()) {
      String service = etcd.keys().serviceOfRules(EtcdGateway.text(kv.getKey()));
      if (service != null) {
        revisions.put(service, kv.getModRevision());
      }
    }
    return revisions;
  }

  /**
   * Creates or replaces a document.
   *
   * @param expected the mod revisions the caller saw ({@code If-Match}), 0 for "must not exist", or
   *     {@code null} for no condition
   * @return the revision of the change
   */
  public long put(String service, String document, Expected expected, Change change) {
    return write(service, document, expected, change, HistoryAction.PUT, null, false).revision();
  }

  /**
   * Creates or replaces a document, unless the stored one is the same (byte for byte, both
   * canonical): then nothing is written (no revision, no history entry, no change for the agents)
   * and the stored revision is answered. So is an {@code If-Match} that no longer holds while the
   * same document is stored: the change asked for is in force (most often the client's own, whose
   * answer it never got: a retry after "whether it was made is unknown"), which RFC 9110 (13.1.1)
   * lets a server answer as done rather than 412. {@code If-None-Match: *} still fails on any
   * stored document, as RFC 9110 (13.1.2) requires.
   *
   * @param expected as for {@link #put}
   */
  public Written putUnlessSame(String service, String document, Expected expected, Change change) {
    return write(service, document, expected, change, HistoryAction.PUT, null, true);
  }

  /**
   * Makes the past version {@code rollbackOf}'s document current again, unless the stored one is
   * the same, as {@link #putUnlessSame} does: a rollback to the rules already in force wrote a new,
   * identical revision (and a history entry, and a rollout of nothing) where a PUT of them writes
   * nothing.
   *
   * @param document the past version's document, canonical
   * @param expected as for {@link #put}
   */
  public Written rollBackUnlessSame(
      String service, String document, Expected expected, Change change, long rollbackOf) {
    return write(service, document, expected, change, HistoryAction.ROLLBACK, rollbackOf, true);
  }

  /**
   * The outcome of {@link #putUnlessSame} and {@link #rollBackUnlessSame}.
   *
   * @param revision the revision of the change, or of the stored document when nothing changed
   * @param changed whether anything was written
   */
  public record Written(long revision, boolean changed) {}

  /**
   * Deletes a document, keeping it in history.
   *
   * @return the revision of the change
   */
  public long delete(String service, Expected expected, Change change) {
    return write(service, null, expected, change, HistoryAction.DELETE, null, false).revision();
  }

  private Written write(
      String service,
      String document,
      Expected expected,
      Change change,
      HistoryAction action,
      Long rollbackOf,
      boolean unlessSame) {
    ServiceWriteLocks.Turn turn = turns.await(service);
    if (turn == null) {
      throw new ApiException(
          ProblemType.WRITE_CONTENTION,
          "the rules of "
              + service
              + " were being written by other requests for "
              + turns.waitLimit().toSeconds()
              + " s while this write waited its turn; nothing was written, send it again");
    }
    Written written;
    try {
      ServiceWriteLocks.EtcdFailure ahead = turn.etcdFailedWhileWaiting();
      if (ahead != null) {
        // its own call would wait out the deadline too, and those behind it theirs, up to the
        // turn's wait limit: the outage is what to answer
        throw etcdFailedAhead(ahead);
      }
      written = attempt(service, document, expected, change, action, rollbackOf, unlessSame);
    } catch (EtcdUnavailableException e) {
      turn.etcdFailed(e);
      throw e;
    } finally {
      turn.release();
    }
    if (written.changed()) {
      // after the turn: the writes waiting for it need not wait for this one's trim too
      retention.trim(service);
    }
    return written;
  }

  /**
   * 503 {@code etcd-unavailable} for a write that waited its turn behind one that found etcd
   * unavailable: worded as the gateway's 503 of a write not sent, with what that write's failure
   * said of a hint or a proxy, and dated from when that write's call was sent ({@link
   * ApiException#etcdWaitBegan()}).
   */
  private static ApiException etcdFailedAhead(ServiceWriteLocks.EtcdFailure ahead) {
    return ApiException.etcdUnavailableSince(
        "etcd is unavailable or did not answer in time (a write this one waited its turn behind,"
            + " of these rules or of others that share their turn, found it so); this write was not"
            + " sent and nothing was changed. Try again shortly."
            + EtcdUnavailableException.neverAnswered(ahead.hint())
            + EtcdUnavailableException.throughItsProxy(ahead.proxysAnswer()),
        ahead.sentNanos());
  }

  private Written attempt(
      String service,
      String document,
      Expected expected,
      Change change,
      HistoryAction action,
      Long rollbackOf,
      boolean unlessSame) {
    String rulesKey = etcd.keys().rules(service);
    String journalKey = HistoryCodec.journalKey(etcd.keys(), service);
    ByteSequence documentValue = document == null ? null : EtcdGateway.bytes(document);
    if (documentValue != null && documentValue.size() > ApiLimits.MAX_BODY_BYTES) {
      // Checked before anything is read: a document GET could not hand back to PUT is not stored.
      throw tooLarge(
          "the document is "
              + documentValue.size()
              + " bytes in its stored form (canonical JSON, every default spelled out); at most "
              + ApiLimits.MAX_BODY_BYTES
              + " bytes (256 KiB, what a PUT accepts) can be stored",
          documentValue.size(),
          ApiLimits.MAX_BODY_BYTES);
    }
    int lost = 0;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      TxnResponse current =
          etcd.awaitForWrite(
              etcd.txn()
                  .Then(
                      Op.get(EtcdGateway.bytes(rulesKey), GetOption.DEFAULT),
                      Op.get(EtcdGateway.bytes(journalKey), GetOption.DEFAULT))
                  .commit(),
              "read " + rulesKey);
      List<KeyValue> rules = current.getGetResponses().get(0).getKvs();
      List<KeyValue> journal = current.getGetResponses().get(1).getKvs();
      long currentRevision = rules.isEmpty() ? 0 : rules.get(0).getModRevision();
      long journalRevision = journal.isEmpty() ? 0 : journal.get(0).getModRevision();
      boolean inForce =
          unlessSame && currentRevision != 0 && rules.get(0).getValue().equals(documentValue);
      if (expected != null
          && !expected.holds(currentRevision)
          && !(inForce && expected.ifMatch())) {
        throw stale(service, expected, currentRevision);
      }
      if (document == null && currentRevision == 0) {
        throw new ApiException(ProblemType.NOT_FOUND, "no rules for service " + service);
      }
      if (inForce) {
        return new Written(currentRevision, false);
      }
      HistoryEntry entry =
          new HistoryEntry(
              0,
              service,
              action,
              change.author(),
              clock.instant(),
              change.comment(),
              rollbackOf,
              document == null ? null : history.tree(document));
      ByteSequence rulesKeyBytes = EtcdGateway.bytes(rulesKey);
      ByteSequence journalKeyBytes = EtcdGateway.bytes(journalKey);
      TransactionSize size = new TransactionSize().compare(rulesKeyBytes).compare(journalKeyBytes);
      List<Op> ops = new ArrayList<>();
      if (documentValue == null) {
        ops.add(Op.delete(rulesKeyBytes, DeleteOption.DEFAULT));
        size.delete(rulesKeyBytes);
      } else {
        ops.add(Op.put(rulesKeyBytes, documentValue, PutOption.DEFAULT));
        size.put(rulesKeyBytes, documentValue);
      }
      ByteSequence entryValue = EtcdGateway.bytes(history.write(entry));
      ops.add(Op.put(journalKeyBytes, entryValue, PutOption.DEFAULT));
      size.put(journalKeyBytes, entryValue);
      if (journalRevision > 0) {
        ByteSequence previousKey = EtcdGateway.bytes(etcd.keys().history(service, journalRevision));
        ByteSequence previousValue = previousEntry(journal.get(0).getValue(), journalRevision);
        ops.add(Op.put(previousKey, previousValue, PutOption.DEFAULT));
        size.put(previousKey, previousValue);
      }
      if (size.bytes() > etcd.maxRequestBytes()) {
        throw tooLarge(
            "the change, with its history entry and the previous one, would be a "
                + size.bytes()
                + "-byte etcd transaction; etcd accepts at most "
                + etcd.maxRequestBytes()
                + " bytes (sluice.etcd.max-request-bytes, etcd's --max-request-bytes)",
            size.bytes(),
            etcd.maxRequestBytes());
      }
      TxnResponse written =
          etcd.commit(
              etcd.txn()
                  .If(
                      new Cmp(rulesKeyBytes, Cmp.Op.EQUAL, CmpTarget.modRevision(currentRevision)),
                      new Cmp(
                          journalKeyBytes, Cmp.Op.EQUAL, CmpTarget.modRevision(journalRevision)))
                  .Then(ops.toArray(Op[]::new))
                  .commit(),
              "write " + rulesKey);
      if (written.isSucceeded()) {
        long revision = written.getHeader().getRevision();
        materialize(service, entry.withRevision(revision));
        return new Written(revision, true);
      }
      // Someone else changed the service between our read and our transaction. With If-Match,
      // the next read judges the precondition again: it answers 412 with the revision now stored
      // (a client needs it to read again), or goes on when the precondition still holds (another
      // revision If-Match names, or the same document stored).
      lost = attempt;
      if (attempt < MAX_ATTEMPTS && !pause.pauseAfter(attempt)) {
        break; // interrupted (the control plane stops): nothing was written
      }
    }
    // no precondition failed (there was none, or it held at every read: If-Match: *, or a list of
    // revisions the document kept reaching), or the pause was interrupted (the control plane
    // stops): other writes of the same rules won, which is a conflict to send again, not a stale
    // revision
    throw new ApiException(
        ProblemType.WRITE_CONTENTION,
        "the rules of "
            + service
            + " kept changing while this write was tried: other writes got in first "
            + lost
            + " times; nothing was written, send it again");
  }

  /** Nothing was written; {@code size} and {@code limit} in bytes, for clients to show. */
  private static ApiException tooLarge(String detail, long size, long limit) {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("size", size);
    members.put("limit", limit);
    return new ApiException(
        ProblemType.PAYLOAD_TOO_LARGE, detail + "; nothing was changed", members);
  }

  /**
   * The previous journal entry as its history key holds it: with its revision, as {@link
   * #materialize} wrote it, so copying it again changes nothing but the key's mod revision (the
   * journal's copy has none, it is only known after the commit). Everything else stays as stored,
   * fields or an action this version does not know included (a newer control plane's); an entry
   * that is no JSON object is copied as it is: neither may stop the write.
   */
  private ByteSequence previousEntry(ByteSequence stored, long revision) {
    try {
      return ByteSequence.from(history.withRevision(stored.getBytes(), revision));
    } catch (RuntimeException e) {
      return stored;
    }
  }

  /** Writes the history key of a committed change; the journal keeps it if this fails. */
  private void materialize(String service, HistoryEntry entry) {
    try {
      etcd.commit(
          etcd.kv()
              .put(
                  EtcdGateway.bytes(etcd.keys().history(service, entry.revision())),
                  EtcdGateway.bytes(history.write(entry))),
          "write history");
    } catch (RuntimeException e) {
      // The change is committed: whatever went wrong here, the caller gets its revision.
      LOG.log(
          Level.WARNING,
          "history entry "
              + entry.revision()
              + " of "
              + service
              + " stays in the journal until the next write: "
              + e.getMessage());
    }
  }

  private static ApiException stale(String service, Expected expected, long current) {
    List<Long> named = new ArrayList<>();
    for (long revision : expected.revisions()) {
      if (revision > 0) {
        named.add(revision);
      }
    }
    String why;
    if (expected.anyExisting()) {
      why = " do not exist";
    } else if (expected.revisions().equals(List.of(0L))) {
      why = " already exist (If-None-Match: * only creates)";
    } else if (named.isEmpty()) {
      why =
          " are at no revision that If-Match names (a revision's ETag is its number without"
              + " leading zeros, e.g. \"42\")";
    } else if (expected.revisions().size() == 1) {
      why = " are no longer at revision " + named.get(0);
    } else {
      why = " are at none of the revisions If-Match names (" + joined(named) + ")";
    }
    return new ApiException(
        ProblemType.PRECONDITION_FAILED,
        "the rules of " + service + why + "; read them again and reapply your change",
        Map.of("currentRevision", current));
  }

  private static String joined(List<Long> revisions) {
    StringBuilder text = new StringBuilder();
    for (long revision : revisions) {
      text.append(text.length() == 0 ? "" : ", ").append(revision);
    }
    return text.toString();
  }
}
