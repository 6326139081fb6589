package io.sluice.controlplane.etcd;

import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;
import org.springframework.context.SmartLifecycle;

/**
 * Holds the start, before the web server opens its port, until every etcd mirror ({@link
 * PrefixWatches}: the agent inventory, the rules watch) has read its prefix once, so the first
 * requests find them read: health UP, the agents listed. The mirrors only start their watches; this
 * waits for all of them at once, up to {@code sluice.etcd.timeout} in all. Each mirror waited for
 * itself, one after the other, so a start against an etcd that did not answer waited that long once
 * per mirror. A mirror etcd refused (credentials or permissions) is not waited for: it reads again
 * only half a minute later, and its own warning says what to change.
 */
final class FirstReadGate implements SmartLifecycle {

  private static final Logger LOG = Logger.getLogger(FirstReadGate.class.getName());

  private final PrefixWatches watches;
  private final Duration timeout;
  private volatile boolean running;

  FirstReadGate(PrefixWatches watches, Duration timeout) {
    this.watches = watches;
    this.timeout = timeout;
  }

  @Override
  public void start() {
    running = true;
    Map<String, PrefixWatch.State> unread = watches.awaitFirstReads(timeout);
    unread.forEach(
        (name, state) -> {
          if (!state.notPermitted()) {
            LOG.warning(
                "the "
                    + name
                    + " mirror was not read from etcd within "
                    + timeout.toMillis()
                    + " ms ("
                    + (state.failure() == null ? "no answer yet" : state.failure())
                    + "); the port opens anyway: /actuator/health shows the watches DOWN, and the"
                    + " API calls answered from it answer 503, until it is");
          }
        });
  }

  @Override
  public void stop() {
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** After the mirrors have started their watches, before the web server. */
  @Override
  public int getPhase() {
    return Integer.MIN_VALUE + 3000;
  }
}
