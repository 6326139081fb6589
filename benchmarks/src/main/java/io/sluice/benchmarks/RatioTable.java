package io.sluice.benchmarks;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Each subject beside its baseline from the same run, matched on class, mode and parameters, with
 * the score's own unit and a ratio that always reads the same way: the subject's time per operation
 * over the baseline's ({@code > 1}: the subject is slower). For throughput ({@code thrpt}, ops per
 * time) that is the baseline's score over the subject's. Results the table cannot place (a class
 * without a {@link BaselinePairs} entry, a method that is neither subject nor baseline, a subject
 * whose baseline did not run in the same mode and parameters) get one warning line each, instead of
 * silently dropping out or pairing with the wrong figure.
 */
final class RatioTable {

  /** The columns after the benchmark's label, whose width depends on the labels. */
  private static final String COLUMNS = " %-6s %12s %12s %-9s %10s %12s %12s";

  private final BaselinePairs pairs;

  private record Paired(String label, Measurement subject, Measurement base) {}

  RatioTable(BaselinePairs pairs) {
    this.pairs = pairs;
  }

  /** The table's lines: warnings first, then a header, the rows and how to read the ratio. */
  List<String> render(Collection<Measurement> results) {
    List<String> warnings = new ArrayList<>(unplaced(results));
    List<Paired> paired = new ArrayList<>();
    for (Measurement subject : results) {
      List<BaselinePairs.Pair> classPairs = pairs.forClass(subject.className());
      for (BaselinePairs.Pair pair : classPairs) {
        if (subject.method().equals(pair.subject())) {
          pairWithBaseline(results, subject, pair, classPairs.size() > 1, paired, warnings);
        }
      }
    }
    int width = "benchmark".length();
    for (Paired p : paired) {
      width = Math.max(width, p.label().length());
    }
    String format = "%-" + width + "s" + COLUMNS;
    List<String> lines = new ArrayList<>(warnings);
    lines.add(
        String.format(
            Locale.ROOT,
            format,
            "benchmark",
            "mode",
            "subject",
            "baseline",
            "unit",
            "time ratio",
            "subject B/op",
            "base B/op"));
    for (Paired p : paired) {
      lines.add(row(format, p));
    }
    lines.add(
        "time ratio: the subject's time per op over the baseline's (> 1: the subject is slower);"
            + " for thrpt, baseline ops/time over the subject's.");
    return lines;
  }

  /**
   * Adds the subject beside the pair's baseline to {@code paired}, or a warning when that baseline
   * did not run in the subject's mode and parameters, or in another unit. With more than one
   * baseline in the class, the row's label names which.
   */
  private static void pairWithBaseline(
      Collection<Measurement> results,
      Measurement subject,
      BaselinePairs.Pair pair,
      boolean named,
      List<Paired> paired,
      List<String> warnings) {
    Measurement base = find(results, subject, pair.baseline());
    String label = named ? label(subject) + " vs " + pair.baseline() : label(subject);
    if (base == null) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "warning: no %s result in mode %s for %s; not in the table",
              pair.baseline(),
              subject.mode(),
              label(subject)));
    } else if (!base.unit().equals(subject.unit())) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "warning: %s %s is in %s but its baseline in %s; not in the table",
              label,
              subject.mode(),
              subject.unit(),
              base.unit()));
    } else {
      paired.add(new Paired(label, subject, base));
    }
  }

  /** The subject's time per operation over the baseline's, whatever the mode measured. */
  static double timeRatio(Measurement subject, Measurement base) {
    return subject.isThroughput() ? base.score() / subject.score() : subject.score() / base.score();
  }

  private List<String> unplaced(Collection<Measurement> results) {
    Set<String> lines = new LinkedHashSet<>();
    for (Measurement m : results) {
      List<BaselinePairs.Pair> classPairs = pairs.forClass(m.className());
      if (classPairs.isEmpty()) {
        lines.add(
            "warning: "
                + m.className()
                + " has no subject/baseline pair in BaselinePairs; not in the table");
      } else if (classPairs.stream()
          .noneMatch(p -> m.method().equals(p.subject()) || m.method().equals(p.baseline()))) {
        lines.add(
            "warning: "
                + m.className()
                + "."
                + m.method()
                + " is none of the methods BaselinePairs pairs ("
                + pairedMethods(classPairs)
                + "); not in the table");
      }
    }
    return List.copyOf(lines);
  }

  /** The methods the pairs name, each once: {@code sluice, plainResilience4j, ...}. */
  private static String pairedMethods(List<BaselinePairs.Pair> classPairs) {
    Set<String> methods = new LinkedHashSet<>();
    for (BaselinePairs.Pair p : classPairs) {
      methods.add(p.subject());
      methods.add(p.baseline());
    }
    return String.join(", ", methods);
  }

  private static Measurement find(
      Collection<Measurement> results, Measurement subject, String baselineMethod) {
    for (Measurement m : results) {
      if (m.method().equals(baselineMethod) && m.sameConfiguration(subject)) {
        return m;
      }
    }
    return null;
  }

  private static String row(String format, Paired p) {
    Measurement subject = p.subject();
    Measurement base = p.base();
    return String.format(
        Locale.ROOT,
        format,
        p.label(),
        subject.mode(),
        figure(subject.score()),
        figure(base.score()),
        subject.unit(),
        String.format(Locale.ROOT, "%.2f", timeRatio(subject, base)),
        figure(subject.bytesPerOp()),
        figure(base.bytesPerOp()));
  }

  private static String label(Measurement m) {
    String cls = m.className().substring(m.className().lastIndexOf('.') + 1);
    List<String> ps = new ArrayList<>();
    // Sorted, so that the label does not depend on the order JMH lists the parameters in.
    for (Map.Entry<String, String> e : new TreeMap<>(m.params()).entrySet()) {
      ps.add(e.getKey() + "=" + e.getValue());
    }
    return ps.isEmpty() ? cls : cls + " " + String.join(",", ps);
  }

  /** Four significant digits, so that 89.87 ns/op and 0.01113 ops/ns both read well. */
  private static String figure(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return String.valueOf(value);
    }
    return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
