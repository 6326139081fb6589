package io.sluice.sdk.source;

/**
 * Something that keeps an {@link io.sluice.sdk.ActiveRulesHolder} up to date from a place where
 * rule documents live: etcd ({@link EtcdRuleSource}) or a local file ({@link FileRuleSource}).
 *
 * <p>Every source follows the same pipeline: read the document, parse and validate it, compile it,
 * publish one immutable snapshot. All of it happens on the source's own thread, never on a request
 * thread, except that {@link FileRuleSource} does its first read in {@link #start()}. An invalid
 * document is rejected as a whole: the rules in force stay, the problem is logged once and reported
 * to {@linkplain #addListener listeners} and by {@link #lastRejection()}.
 *
 * <p>Building a source does no I/O. {@link #start()} returns without waiting on the network and
 * does its work in the background ({@link FileRuleSource} reads its local file once first, so its
 * rules are in force when {@code start()} returns); {@link #close()} stops it and releases its
 * thread. The rules it published stay in force after close.
 */
public interface RuleSource extends AutoCloseable {

  /**
   * Starts reading and watching in the background; returns without waiting on the network (a file
   * source reads its file once first). Never throws for a problem with the rules. Idempotent.
   */
  void start();

  /** Stops watching and releases the source's thread. Idempotent. */
  @Override
  void close();

  /**
   * Registers a listener told of every applied and rejected document from now on. A failing
   * listener never stops the others nor the source.
   */
  void addListener(RuleSourceListener listener);

  /** Removes a listener. */
  void removeListener(RuleSourceListener listener);

  /**
   * The rejection that still stands (the rejected document was not replaced by a valid one or
   * deleted since), or {@code null} when there is none. With two documents (etcd: the service's own
   * and {@code _default}), the service's own document's, else {@code _default}'s.
   */
  RuleRejection lastRejection();
}
