package io.sluice.etcd;

import io.grpc.InternalLogId;
import io.grpc.ManagedChannel;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps gRPC's per-retry warnings about Sluice's own etcd channels out of the application's log,
 * and leaves those about every other gRPC channel of the JVM as they are.
 *
 * <p>While the name of a Sluice channel cannot be resolved (no endpoint's proxy can be looked up),
 * gRPC's {@code ManagedChannelImpl} logs {@code [Channel<3>: (sluice-etcd:///etcd:2379)] Failed to
 * resolve name. status=…} through java.util.logging at WARNING with every retry, several a minute
 * for as long as it lasts; in an app and in the control plane (Spring Boot routes java.util.logging
 * into its own logging) those lines went to the log. Sluice says such an outage once, in its own
 * words (the rule source's and the status reporter's warning, the control plane's 503 detail and
 * health), so gRPC's repetitions say nothing new.
 *
 * <p>Why a filter on one logger and not a level: the logger is gRPC's, one per class and shared by
 * every channel of the JVM, so raising its level would also silence an app's own gRPC channels,
 * whose failures the app wants to see. The filter drops a record only when its gRPC log id names a
 * channel built for a {@code sluice-etcd:} target (gRPC's log id of a channel, {@code Channel<N>:
 * (target)}), which only Sluice's clients dial ({@link ProxiedEtcdResolverProvider}), and only
 * below SEVERE. Nothing is dropped once the logger is set to FINE or finer: whoever debugs gRPC
 * sees every line. A filter the app had set on that logger before is kept and asked after this one;
 * one the app sets later replaces this one (and gRPC's lines come back). With two copies of Sluice
 * in one JVM (two webapps), the first one's filter serves both, and holds its class loader for as
 * long as it stays on gRPC's logger (a known limit: a logger of gRPC's, loaded by a shared loader,
 * outlives an undeployed webapp's classes only where gRPC itself is shared).
 *
 * <p>Installed by the resolver provider the first time it makes a resolver for a Sluice channel, so
 * a JVM that never builds one is untouched. The logger's name is taken from gRPC's own {@link
 * ManagedChannel} class, so it follows gRPC where the javaagent relocates it; there the agent
 * routes java.util.logging of its extensions to its own logger, which takes no filter, and the
 * extension quiets these libraries itself.
 */
final class EtcdChannelRetryLogFilter implements Filter {

  /** gRPC's logger of channels; the class is package-private in gRPC, so it is named here. */
  static final String CHANNEL_LOGGER =
      ManagedChannel.class.getPackageName() + ".internal.ManagedChannelImpl";

  /** How gRPC's log id names a channel to a Sluice target: {@code Channel<3>: (sluice-etcd:…)}. */
  private static final String SLUICE_CHANNEL = "(" + ProxiedEtcdResolverProvider.SCHEME + ":";

  private static final String NAME = EtcdChannelRetryLogFilter.class.getName();

  /** Held, so that java.util.logging never forgets the logger, and the filter with it. */
  private static Logger installedOn;

  /** Whether the JVM refused to set the filter: not tried again. */
  private static boolean refused;

  private final Logger logger;
  private final Filter previous;

  private EtcdChannelRetryLogFilter(Logger logger, Filter previous) {
    this.logger = logger;
    this.previous = previous;
  }

  /**
   * Puts the filter on gRPC's channel logger unless it is there; cheap after the first call. A
   * filter of another copy of Sluice in the JVM (another class loader: two webapps) counts as
   * there, by its class name, so channels of both do not stack a layer each. Never throws: a JVM
   * that refuses to change a logger's filter (a security manager) keeps gRPC's lines, and says so
   * once at FINE.
   */
  static synchronized void install() {
    if (refused) {
      return;
    }
    try {
      Logger logger = Logger.getLogger(CHANNEL_LOGGER);
      Filter current = logger.getFilter();
      if (current != null && current.getClass().getName().equals(NAME)) {
        return;
      }
      logger.setFilter(new EtcdChannelRetryLogFilter(logger, current));
      installedOn = logger;
    } catch (RuntimeException e) {
      refused = true;
      Logger.getLogger(EtcdChannelRetryLogFilter.class.getName())
          .log(Level.FINE, "gRPC's per-retry log lines about Sluice's etcd channels stay: " + e, e);
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (aboutSluiceChannel(record)
        && record.getLevel().intValue() < Level.SEVERE.intValue()
        && !logger.isLoggable(Level.FINE)) {
      return false;
    }
    return previous == null || previous.isLoggable(record);
  }

  /**
   * Whether gRPC's log id of a Sluice channel is in the record: a parameter that is gRPC's own
   * {@link InternalLogId}, or the message. Other parameters (an app's addresses, attributes,
   * statuses) are never turned into text here: their {@code toString} is the app's, may cost or
   * throw, and a filter that throws would throw out of gRPC's log call into the app's channel.
   */
  private static boolean aboutSluiceChannel(LogRecord record) {
    Object[] parameters = record.getParameters();
    if (parameters != null) {
      for (Object parameter : parameters) {
        if (parameter instanceof InternalLogId id && String.valueOf(id).contains(SLUICE_CHANNEL)) {
          return true;
        }
      }
    }
    String message = record.getMessage();
    return message != null && message.contains(SLUICE_CHANNEL);
  }
}
