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
 *
 * <p>A wait polls the log of a running app often (every 20 ms for {@link EtcdStatus#awaitApplied});
 * an instance scans it as it grows, each line once ({@link #scan}), and keeps what a line means for
 * the next one (a stack trace under way, an agent line right above) from one scan to the next.
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

  private final List<String> failures = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();
  private boolean traceIsTheAgents;
  private boolean afterAgentLine;

  /** A scan of a log from its start, fed what the log gains with {@link #scan}. */
  ClassLoadingFailures() {}

  private ClassLoadingFailures(ClassLoadingFailures state) {
    failures.addAll(state.failures);
    trace.addAll(state.trace);
    traceIsTheAgents = state.traceIsTheAgents;
    afterAgentLine = state.afterAgentLine;
  }

  /**
   * The lines of {@code log} that the agent or the extension wrote and that name a class-loading
   * failure, in order; none if it has none.
   */
  static List<String> in(String log) {
    int end = log.lastIndexOf('\n') + 1;
    return new ClassLoadingFailures().scan(log.substring(0, end), log.substring(end));
  }

  /**
   * Takes in {@code lines}, what the log gained since the last scan (whole lines, each ending in a
   * line break), and answers the failures of the whole log so far, in order, as if it ended after
   * {@code partialLine}: the line being written, not yet ended, which is not taken in (the next
   * scan gets it again, whole or longer, in its {@code lines} or {@code partialLine}). A stack
   * trace may go on in a later scan: its lines count once it shows it is the agent's (a line under
   * an agent line, a Sluice frame), and are answered from then on.
   */
  List<String> scan(String lines, String partialLine) {
    int from = 0;
    for (int end = lines.indexOf('\n'); end >= 0; end = lines.indexOf('\n', from)) {
      take(withoutCarriageReturn(lines.substring(from, end)));
      from = end + 1;
    }
    ClassLoadingFailures ending = new ClassLoadingFailures(this);
    if (!partialLine.isEmpty()) {
      ending.take(withoutCarriageReturn(partialLine));
    }
    ending.endTrace();
    return List.copyOf(ending.failures);
  }

  private void take(String line) {
    if (!trace.isEmpty() && TRACE_LINE.matcher(line).find()) {
      trace.add(line);
      traceIsTheAgents |= SLUICE_FRAME.matcher(line).find();
      return;
    }
    endTrace();
    if (line.startsWith(AGENT_LINE)) {
      addIfFailure(line);
      afterAgentLine = true;
    } else if (TRACE_START.matcher(line).matches()) {
      trace.add(line);
      traceIsTheAgents = afterAgentLine;
      afterAgentLine = false;
    } else {
      afterAgentLine = false;
    }
  }

  private void endTrace() {
    if (traceIsTheAgents) {
      trace.forEach(this::addIfFailure);
    }
    trace.clear();
  }

  private void addIfFailure(String line) {
    if (FAILURE.matcher(line).find()) {
      failures.add(line);
    }
  }

  private static String withoutCarriageReturn(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
