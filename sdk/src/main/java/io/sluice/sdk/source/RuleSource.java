package io.sluice.sdk.source;

/**
 * Something that keeps an {@link io.sluice.sdk.ActiveRulesHolder} up to date from a place where
 * rule documents live: etcd ({@link EtcdRuleSource}) or a local file ({@link FileRuleSource}).
 *
 * <p>Every source follows the same pipeline: read the document, parse and validate it, compile it,
 * publish one immutable snapshot. All of it happens on the source's own thread, never on a request
 * thread. An invalid document is rejected as a whole: the rules in force stay, the problem is
 * logged once and reported to {@linkplain #addListener listeners} and by {@link #lastRejection()}.
 *
 * <p>Building a source does no I/O. {@link #start()} returns at once and does its work in the
 * background; {@link #close()} stops it and releases its thread. The rules it published stay in
 * force after close.
 */
public interface RuleSource extends AutoCloseable {

  /** Starts reading and watching in the background; returns at once. Idempotent. */
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
   * The most recent rejection that still stands (the rejected document was not replaced by a valid
   * one or deleted since), or {@code null} when there is none.
   */
  RuleRejection lastRejection();
}
