package io.sluice.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The benchmarks jar's entry point: runs JMH with its usual command line (e.g. {@code -f 1 -wi 2 -i
 * 3}), always with the GC profiler, then prints each subject beside its baseline: ns/op, B/op and
 * the ratio, against the targets.
 */
public final class RunBenchmarks {

  private RunBenchmarks() {}

  public static void main(String[] args) throws Exception {
    CommandLineOptions command = new CommandLineOptions(args);
    if (command.shouldHelp()
        || command.shouldList()
        || command.shouldListWithParams()
        || command.shouldListProfilers()
        || command.shouldListResultFormats()) {
      // JMH's own entry point answers -h, -l, -lp, -lprof and -lrf without running anything
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Options options = new OptionsBuilder().parent(command).addProfiler(GCProfiler.class).build();
    Collection<RunResult> results = new Runner(options).run();
    System.out.println();
    System.out.println("Subject vs baseline (same run)");
    System.out.printf(
        Locale.ROOT,
        "%-40s %12s %12s %8s %12s %12s%n",
        "benchmark",
        "subject ns",
        "base ns",
        "ratio",
        "subject B/op",
        "base B/op");
    for (RunResult subject : results) {
      String method = method(subject.getParams());
      String baselineMethod =
          method.equals("sluice") && subject.getParams().getBenchmark().contains("Sampler")
              ? "baseline"
              : method.equals("sluice") ? "plainResilience4j" : null;
      if (baselineMethod == null) {
        continue;
      }
      RunResult base = find(results, subject.getParams(), baselineMethod);
      if (base == null) {
        continue;
      }
      double s = subject.getPrimaryResult().getScore();
      double b = base.getPrimaryResult().getScore();
      System.out.printf(
          Locale.ROOT,
          "%-40s %12.1f %12.1f %8.2f %12.1f %12.1f%n",
          label(subject.getParams()),
          s,
          b,
          s / b,
          alloc(subject),
          alloc(base));
    }
    System.out.println(
        "Targets: sampler at 10 rules <= 1.5x baseline, at 100 rules <= 200 ns/op, no B/op beyond"
            + " the baseline; breaker <= 1.2x plain Resilience4j.");
  }

  private static String method(BenchmarkParams params) {
    String name = params.getBenchmark();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static String label(BenchmarkParams params) {
    String name = params.getBenchmark();
    String cls = name.substring(0, name.lastIndexOf('.'));
    cls = cls.substring(cls.lastIndexOf('.') + 1);
    List<String> ps = new ArrayList<>();
    for (String key : params.getParamsKeys()) {
      ps.add(key + "=" + params.getParam(key));
    }
    return cls + " " + String.join(",", ps);
  }

  private static RunResult find(
      Collection<RunResult> results, BenchmarkParams subject, String method) {
    String cls = subject.getBenchmark().substring(0, subject.getBenchmark().lastIndexOf('.'));
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      if (!p.getBenchmark().equals(cls + "." + method)) {
        continue;
      }
      boolean same = true;
      for (String key : subject.getParamsKeys()) {
        same &= subject.getParam(key).equals(p.getParam(key));
      }
      if (same) {
        return r;
      }
    }
    return null;
  }

  private static double alloc(RunResult r) {
    Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
    return norm == null ? Double.NaN : norm.getScore();
  }
}
