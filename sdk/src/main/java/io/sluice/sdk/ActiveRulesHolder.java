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
 * breaker registry that retunes its breakers, are told of every new snapshot after it is in force;
 * one failing listener never stops the others.
 *
 * <p>Publishing is serialized, so listeners see snapshots in publication order.
 */
public final class ActiveRulesHolder {

  private static final Logger logger = Logger.getLogger(ActiveRulesHolder.class.getName());

  private volatile ActiveRules current;
  private final List<Consumer<ActiveRules>> listeners = new CopyOnWriteArrayList<>();

  /** A holder that starts with {@code initial} in force. */
  public ActiveRulesHolder(ActiveRules initial) {
    this.current = Objects.requireNonNull(initial, "initial");
  }

  /** The snapshot in force. Never null; never blocks. */
  public ActiveRules current() {
    return current;
  }

  /** Puts {@code rules} in force, then tells every listener. */
  public synchronized void publish(ActiveRules rules) {
    Objects.requireNonNull(rules, "rules");
    current = rules;
    for (Consumer<ActiveRules> listener : listeners) {
      try {
        listener.accept(rules);
      } catch (RuntimeException | LinkageError e) {
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
}
