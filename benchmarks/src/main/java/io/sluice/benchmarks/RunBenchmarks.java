package io.sluice.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The benchmarks jar's entry point: runs JMH with its usual command line (e.g. {@code -f 1 -wi 2 -i
 * 3}), always with the GC profiler, then prints each subject beside its baseline of the same mode
 * and parameters ({@link RatioTable}, pairs from {@link BaselinePairs}): scores with their unit,
 * B/op and the time ratio, against the targets.
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
    List<Measurement> measurements = new ArrayList<>();
    for (RunResult result : results) {
      measurements.add(Measurement.of(result));
    }
    System.out.println();
    System.out.println("Subject vs baseline (same run, same mode and params)");
    new RatioTable(BaselinePairs.defaults()).render(measurements).forEach(System.out::println);
    System.out.println(
        "Targets: sampler at 10 rules time ratio <= 1.5, at 100 rules <= 200 ns/op (avgt), no B/op"
            + " beyond the baseline; breaker time ratio <= 1.2 against plain Resilience4j.");
  }
}
