package io.sluice.demo;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command-line flags of one demo command, with environment variables as fallback.
 *
 * <p>Every demo process is configured the same way so that a shell script, a Dockerfile and a test
 * can all start it: {@code --name value} or {@code --name=value} on the command line, else the
 * environment variable {@code DEMO_NAME} (upper case, {@code -} becomes {@code _}), else the
 * default. Typed getters never throw: a bad value is recorded and the default is returned, so that
 * {@link #problems()} can list every problem at once instead of stopping at the first one. Flags
 * that were given but never asked for are reported as unknown.
 */
public final class Flags {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

  private final Map<String, String> given;
  private final UnaryOperator<String> environment;
  private final Set<String> asked = new LinkedHashSet<>();
  private final List<String> problems = new ArrayList<>();

  private Flags(
      Map<String, String> given, UnaryOperator<String> environment, List<String> parseProblems) {
    this.given = given;
    this.environment = environment;
    this.problems.addAll(parseProblems);
  }

  /**
   * Parses {@code --name value} and {@code --name=value} pairs.
   *
   * @param args the arguments after the command name
   * @param environment looks up an environment variable, {@code System::getenv} in production
   */
  public static Flags parse(List<String> args, UnaryOperator<String> environment) {
    Map<String, String> given = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        problems.add("unexpected argument '" + arg + "' (flags look like --name value)");
        continue;
      }
      String name;
      String value;
      int equals = arg.indexOf('=');
      if (equals > 0) {
        name = arg.substring(2, equals);
        value = arg.substring(equals + 1);
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        name = arg.substring(2);
        value = args.get(++i);
      } else {
        problems.add("flag --" + arg.substring(2) + " needs a value");
        continue;
      }
      if (given.put(name, value) != null) {
        problems.add("flag --" + name + " given twice");
      }
    }
    return new Flags(given, environment, problems);
  }

  /** The environment variable consulted when {@code --name} is absent. */
  public static String environmentName(String flag) {
    return "DEMO_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** A string flag. */
  public String string(String name, String defaultValue) {
    String raw = raw(name);
    return raw == null ? defaultValue : raw;
  }

  /** An integer flag within {@code [min, max]}. */
  public int integer(String name, int defaultValue, int min, int max) {
    String raw = raw(name);
    if (raw == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.trim());
      if (value < min || value > max) {
        return invalid(name, raw, "must be between " + min + " and " + max, defaultValue);
      }
      return value;
    } catch (NumberFormatException e) {
      return invalid(name, raw, "is not a whole number", defaultValue);
    }
  }

  /** A decimal flag within {@code [min, max]}. */
  public double decimal(String name, double defaultValue, double min, double max) {
    String raw = raw(name);
    if (raw == null) {
      return defaultValue;
    }
    try {
      double value = Double.parseDouble(raw.trim());
      if (!(value >= min && value <= max)) {
        return invalid(name, raw, "must be between " + min + " and " + max, defaultValue);
      }
      return value;
    } catch (NumberFormatException e) {
      return invalid(name, raw, "is not a number", defaultValue);
    }
  }

  /**
   * A duration flag within {@code [min, max]}: a whole number with an optional unit {@code ms},
   * {@code s} (the default), {@code m} or {@code h}.
   */
  public Duration duration(String name, Duration defaultValue, Duration min, Duration max) {
    String raw = raw(name);
    if (raw == null) {
      return defaultValue;
    }
    Duration value = parseDuration(raw.trim());
    if (value == null) {
      return invalid(name, raw, "is not a duration like 250ms, 30s, 5m or 1h", defaultValue);
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      return invalid(
          name, raw, "must be between " + format(min) + " and " + format(max), defaultValue);
    }
    return value;
  }

  /** An absolute {@code http} or {@code https} URL without a trailing slash. */
  public URI url(String name, String defaultValue) {
    String raw = raw(name);
    String text = raw == null ? defaultValue : raw.trim();
    try {
      URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
      String scheme = uri.getScheme();
      if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
        return invalid(name, text, "must be an http(s) URL like http://127.0.0.1:8080", null);
      }
      return uri;
    } catch (URISyntaxException e) {
      return invalid(name, text, "is not a URL: " + e.getReason(), null);
    }
  }

  /**
   * Every problem found so far, including flags that were given but never asked for. Ask for every
   * flag the command knows before calling this.
   */
  public List<String> problems() {
    List<String> all = new ArrayList<>(problems);
    for (String name : given.keySet()) {
      if (!asked.contains(name)) {
        all.add("unknown flag --" + name);
      }
    }
    return List.copyOf(all);
  }

  static Duration parseDuration(String text) {
    Matcher matcher = DURATION.matcher(text);
    if (!matcher.matches()) {
      return null;
    }
    long amount = Long.parseLong(matcher.group(1));
    String unit = matcher.group(2) == null ? "s" : matcher.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofSeconds(amount);
    };
  }

  /** Formats a duration the way flags are written: {@code 250ms}, {@code 30s}, {@code 5m}. */
  public static String format(Duration duration) {
    if (duration.toMillisPart() != 0 || duration.isZero()) {
      return duration.toMillis() + "ms";
    }
    long seconds = duration.toSeconds();
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  private String raw(String name) {
    asked.add(name);
    String value = given.get(name);
    return value != null ? value : environment.apply(environmentName(name));
  }

  private <T> T invalid(String name, String raw, String why, T fallback) {
    String source =
        given.containsKey(name) ? "--" + name : environmentName(name) + " (for --" + name + ")";
    problems.add(source + " '" + raw + "' " + why);
    return fallback;
  }
}
