package io.sluice.sdk.config;

import io.sluice.rules.Suggestions;
import io.sluice.sdk.QuietLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Settings that look like the agent's and are none of its keys: a misspelled key is ignored like
 * any unknown one, and without a word the app runs without etcd ({@code SLUICE_ETCD_ENDPOINT}) or
 * keeps its snapshots elsewhere ({@code SLUICE_STATE_DIRECTORY}) than meant.
 *
 * <p>Only the agent's own prefixes count ({@code sluice.etcd.}, {@code sluice.rules.}, {@code
 * sluice.state.}, and the environment's {@code SLUICE_ETCD_}, {@code SLUICE_RULES_}, {@code
 * SLUICE_STATE_}): other {@code SLUICE_} variables (a launcher's, a script's) are none of its
 * business. In the agent, a system property is compared as OpenTelemetry's configuration reads it
 * (any case, {@code -} and {@code .} alike: {@code sluice.etcd.tls.ca.file} is the CA file's key);
 * {@link SluiceConfig#fromSystem()} reads the exact key only, and so compares it.
 */
public final class UnknownSettings {

  private static final Logger logger = Logger.getLogger(UnknownSettings.class.getName());
  private static final AtomicBoolean WARNED = new AtomicBoolean();
  private static final List<String> PROPERTY_PREFIXES =
      List.of("sluice.etcd.", "sluice.rules.", "sluice.state.");
  private static final List<String> KEYS =
      ConfigKeys.ALL.stream().filter(key -> key.startsWith("sluice.")).toList();
  private static final List<String> VARIABLE_PREFIXES =
      PROPERTY_PREFIXES.stream().map(ConfigKeys::environmentVariable).toList();

  private UnknownSettings() {}

  /**
   * The unknown settings among the names of {@code properties} and {@code environment} variables,
   * one description each ({@code SLUICE_ETCD_ENDPOINT (environment variable; did you mean
   * SLUICE_ETCD_ENDPOINTS?)}), sorted; {@code asOpenTelemetry}: property names as the agent reads
   * them (see the class comment).
   */
  public static List<String> find(
      Set<String> properties, Set<String> environment, boolean asOpenTelemetry) {
    Map<String, String> found = new TreeMap<>();
    UnaryOperator<String> spelling = asOpenTelemetry ? UnknownSettings::normalized : name -> name;
    List<String> propertyKeys = KEYS.stream().map(spelling).toList();
    properties.stream()
        .filter(name -> PROPERTY_PREFIXES.stream().anyMatch(spelling.apply(name)::startsWith))
        .filter(name -> !propertyKeys.contains(spelling.apply(name)))
        .forEach(name -> found.put(name, describe(name, "system property", KEYS)));
    List<String> variables = KEYS.stream().map(ConfigKeys::environmentVariable).toList();
    environment.stream()
        .filter(name -> VARIABLE_PREFIXES.stream().anyMatch(name::startsWith))
        .filter(name -> !variables.contains(name))
        .forEach(name -> found.put(name, describe(name, "environment variable", variables)));
    return new ArrayList<>(found.values());
  }

  /**
   * Warns once per JVM, in one line, of the unknown settings among the system properties and the
   * environment ({@code asOpenTelemetry} as for {@link #find}); never throws (a security manager
   * that refuses to list them, a broken log handler).
   */
  public static void warnOnce(boolean asOpenTelemetry) {
    if (WARNED.getAndSet(true)) {
      return;
    }
    try {
      List<String> unknown =
          find(
              System.getProperties().stringPropertyNames(),
              System.getenv().keySet(),
              asOpenTelemetry);
      if (!unknown.isEmpty()) {
        QuietLog.write(
            logger,
            Level.WARNING,
            "unknown Sluice setting"
                + (unknown.size() == 1 ? "" : "s")
                + ", ignored: "
                + String.join(", ", unknown),
            null);
      }
    } catch (RuntimeException | LinkageError e) {
      QuietLog.write(logger, Level.FINE, "could not look for unknown Sluice settings", e);
    }
  }

  private static String describe(String name, String where, List<String> known) {
    String closest = Suggestions.closest(name, known);
    return name + " (" + where + (closest == null ? "" : "; did you mean " + closest + "?") + ")";
  }

  private static String normalized(String property) {
    return property.toLowerCase(Locale.ROOT).replace('-', '.');
  }
}
