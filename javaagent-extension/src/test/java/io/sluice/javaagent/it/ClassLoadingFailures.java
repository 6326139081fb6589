package io.sluice.javaagent.it;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds, in a forked app's log, the lines where the agent or the Sluice extension could not find,
 * link or load a class, or load a service: a shaded class left out of the extension jar, or a
 * relocation gone wrong. Such an agent never reports its status, and a test waiting for that report
 * waited its whole bound (90 s) before it said so; with these lines it can stop at once and say
 * why.
 *
 * <p>Only what the agent and the extension write counts: an app may log a class-loading failure it
 * handles (an optional library it does without) and run on, and its agent with it. Which lines are
 * theirs:
 *
 * <ul>
 *   <li>the agent's log lines, which start with {@value #AGENT_LINE} (its default, simple logging;
 *       Sluice's own loggers, {@code io.sluice.*}, log through it);
 *   <li>a stack trace printed right after such a line: the agent's logger prints a logged
 *       throwable's trace under its line;
 *   <li>a stack trace with a frame of a Sluice class ({@code io.sluice.}, the relocated libraries
 *       under {@code io.sluice.shaded.} included), wherever it stands: an error no one caught in
 *       one of Sluice's threads, which the JVM prints as {@code Exception in thread "..."}.
 * </ul>
 *
 * Other lines, and stack traces under them, are the app's.
 */
final class ClassLoadingFailures {

  /** How each line of the agent's (simple) logger starts. */
  static final String AGENT_LINE = "[otel.javaagent ";

  private static final Pattern FAILURE =
      Pattern.compile(
          "NoClassDefFoundError|ClassNotFoundException|ServiceConfigurationError|LinkageError");

  /**
   * The first line of a stack trace: a throwable's class and message as {@link
   * Throwable#printStackTrace()} writes them, or as the JVM reports one no one caught.
   */
  private static final Pattern TRACE_START =
      Pattern.compile("^(Exception in thread \"[^\"]*\" )?([\\w$]+\\.)+[A-Z][\\w$]*(: .*)?$");

  /** A later line of a stack trace: a frame, frames left out, a cause or a suppressed throwable. */
  private static final Pattern TRACE_LINE =
      Pattern.compile("^(\\s+(at |\\.\\.\\. \\d+ |Suppressed: |Caused by: )|Caused by: )");

  /** A frame of a Sluice class, after the class loader's and module's names when there are any. */
  private static final Pattern SLUICE_FRAME =
      Pattern.compile("^\\s+at ([^\\s/(]+/){0,2}io\\.sluice\\.");

  private ClassLoadingFailures() {}

  /**
   * The lines of {@code log} that the agent or the extension wrote and that name a class-loading
   * failure, in order; none if it has none.
   */
  static List<String> in(String log) {
    List<String> failures = new ArrayList<>();
    List<String> trace = new ArrayList<>();
    boolean traceIsTheAgents = false;
    boolean afterAgentLine = false;
    for (String line : log.lines().toList()) {
      if (!trace.isEmpty() && TRACE_LINE.matcher(line).find()) {
        trace.add(line);
        traceIsTheAgents |= SLUICE_FRAME.matcher(line).find();
        continue;
      }
      endTrace(trace, traceIsTheAgents, failures);
      if (line.startsWith(AGENT_LINE)) {
        addIfFailure(line, failures);
        afterAgentLine = true;
      } else if (TRACE_START.matcher(line).matches()) {
        trace.add(line);
        traceIsTheAgents = afterAgentLine;
        afterAgentLine = false;
      } else {
        afterAgentLine = false;
      }
    }
    endTrace(trace, traceIsTheAgents, failures);
    return failures;
  }

  private static void endTrace(List<String> trace, boolean agents, List<String> failures) {
    if (agents) {
      trace.forEach(line -> addIfFailure(line, failures));
    }
    trace.clear();
  }

  private static void addIfFailure(String line, List<String> failures) {
    if (FAILURE.matcher(line).find()) {
      failures.add(line);
    }
  }
}
