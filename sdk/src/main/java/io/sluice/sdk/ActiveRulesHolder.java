package io.sluice.sdk;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place the current {@link ActiveRules} snapshot lives. Rule sources {@link #publish} a new
 * snapshot; readers call {@link #current()} (a volatile read, nothing else). Listeners, such as the
 * breaker registry that retunes its breakers, are told of the newest snapshot after it is in force;
 * one failing listener never stops the others.
 *
 * <h2>Design</h2>
 *
 * Listeners are told snapshots in the order they were published, never an older one after a newer
 * one, and always the one in force last. Listeners do not run under the lock publishers take, which
 * only puts a snapshot in force and marks it untold: a listener that blocks (an app's listener
 * doing I/O, one that hangs in a source whose close() abandoned its thread) holds up neither
 * another thread's publish nor that snapshot taking force, and a listener that publishes is not
 * told the newer snapshot before the older one it is being told. One thread at a time tells: the
 * publisher that found nobody telling, which tells its own and then the newest published meanwhile,
 * until none is left, before it returns. Snapshots published while the listeners are still being
 * told of an earlier one are superseded by the newest of them and not told: every listener here
 * wants the rules in force (a retune, a sampler's refresh, a status), and a listener stuck for good
 * holds one untold snapshot, not one per change. So a publish with no other under way has told
 * every listener when it returns, as before; one that comes while another thread tells (or from
 * inside a listener) returns at once, its snapshot in force and told after the one being told,
 * unless a newer one supersedes it first.
 *
 * <p>A snapshot is <em>applied</em> once every listener has been told of it: only then do the
 * breakers run its policies. What reports the rules in force to others (the agent status, which the
 * control plane shows as "applied") reads {@link #applied()} and hears of it through {@link
 * #addAppliedListener}, never {@link #current()}, which takes force before the breakers are
 * retuned.
 */
public final class ActiveRulesHolder {

  private static final Logger logger = Logger.getLogger(ActiveRulesHolder.class.getName());

  private volatile ActiveRules current;
  private volatile ActiveRules applied;
  private final List<Consumer<ActiveRules>> listeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<ActiveRules>> appliedListeners = new CopyOnWriteArrayList<>();

  /** Guards {@link #untold} and {@link #telling}; never held while a listener runs. */
  private final Object lock = new Object();

  /** The newest snapshot whose listeners are still to be told, or null when none is. */
  private ActiveRules untold;

  /** Whether a thread is telling the listeners; it tells the untold snapshot before it stops. */
  private boolean telling;

  /** A holder that starts with {@code initial} in force. */
  public ActiveRulesHolder(ActiveRules initial) {
    this.current = Objects.requireNonNull(initial, "initial");
    this.applied = initial;
  }

  /** The snapshot in force. Never null; never blocks. */
  public ActiveRules current() {
    return current;
  }

  /**
   * The newest snapshot every listener has been told of: the one the breakers run. Behind {@link
   * #current()} while the listeners are being told of a newer one. Never null; never blocks.
   */
  public ActiveRules applied() {
    return applied;
  }

  /**
   * Puts {@code rules} in force, then tells every listener, after the snapshot they are being told.
   * Never waits for a listener another thread is running: while one tells, {@code rules} is in
   * force when this returns and told by that thread next, unless a newer snapshot supersedes it
   * first.
   */
  public void publish(ActiveRules rules) {
    Objects.requireNonNull(rules, "rules");
    synchronized (lock) {
      // in force and untold under one lock: the listeners are told in the order of current's values
      current = rules;
      untold = rules;
      if (telling) {
        return;
      }
      telling = true;
    }
    tellUntold();
  }

  /** Tells the listeners the untold snapshot, then the newest published meanwhile, until none. */
  private void tellUntold() {
    boolean drained = false;
    try {
      while (true) {
        ActiveRules next;
        synchronized (lock) {
          next = untold;
          untold = null;
          if (next == null) {
            telling = false;
            drained = true;
            return;
          }
        }
        tell(next);
      }
    } finally {
      if (!drained) {
        // an Error past tell()'s catch (out of memory, a stack overflow): another thread may tell
        // again; what is left is told by the next publish
        synchronized (lock) {
          telling = false;
        }
      }
    }
  }

  private void tell(ActiveRules rules) {
    tell(listeners, rules);
    applied = rules;
    tell(appliedListeners, rules);
  }

  private static void tell(List<Consumer<ActiveRules>> listeners, ActiveRules rules) {
    for (Consumer<ActiveRules> listener : listeners) {
      try {
        listener.accept(rules);
      } catch (Throwable e) {
        FatalErrors.rethrowIfFatal(e);
        // LinkageError too: in the agent a listener's class can fail to load, and that must not
        // stop the other listeners nor escape into the rule source (it would end a file watch)
        // quietly: a log handler of the app's that throws here would otherwise stop the listeners
        // after this one (the breaker registry's retune) and escape into the rule source all the
        // same, which then tells neither its own listeners nor saves the last-known-good rules
        QuietLog.write(
            logger, Level.WARNING, "a rules listener failed; the others were still told", e);
      }
    }
  }

  /** Registers a listener for snapshots published from now on. */
  public void addListener(Consumer<ActiveRules> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener. */
  public void removeListener(Consumer<ActiveRules> listener) {
    listeners.remove(listener);
  }

  /**
   * Registers a listener told of each snapshot once it is {@link #applied()}: after every listener
   * added with {@link #addListener} has been told of it.
   */
  public void addAppliedListener(Consumer<ActiveRules> listener) {
    appliedListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener added with {@link #addAppliedListener}. */
  public void removeAppliedListener(Consumer<ActiveRules> listener) {
    appliedListeners.remove(listener);
  }
}
