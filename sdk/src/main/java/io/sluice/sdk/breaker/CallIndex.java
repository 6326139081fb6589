package io.sluice.sdk.breaker;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CallTarget;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.Glob;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Finds the first breaker policy that covers a call, with the same answer as {@link
 * CompiledRules#breakerPolicyIndex} (a test checks this on random policies and calls), split in two
 * so the expensive half is done once per target: which policies' host and port parts hold depends
 * only on the target, so {@link Target} keeps that candidate list per snapshot, and a call only
 * checks the candidates' method and path globs. With several candidates (up to {@link
 * PathPrefixTree#MAX_POLICIES} policies in the document), a {@link PathPrefixTree} first rules out
 * those whose path glob's literal prefix does not start the call's path.
 */
final class CallIndex {

  private final Glob[] hosts;
  private final int[] ports;
  private final Glob[] methods;
  private final String[] methodLiterals;
  private final Glob[] paths;

  /** Over the path globs' literal prefixes; null past {@link PathPrefixTree#MAX_POLICIES}. */
  private final PathPrefixTree pathTree;

  CallIndex(List<BreakerPolicy> policies) {
    int n = policies.size();
    hosts = new Glob[n];
    ports = new int[n];
    methods = new Glob[n];
    methodLiterals = new String[n];
    paths = new Glob[n];
    String[] pathPrefixes = new String[n];
    for (int i = 0; i < n; i++) {
      CallMatch m = policies.get(i).match();
      hosts[i] = m.host() == null ? null : CallTarget.hostGlob(m.host());
      ports[i] = m.port() == null ? -1 : m.port();
      methods[i] = m.method() == null ? null : Glob.compileIgnoringCase(m.method());
      // most method globs are a plain method name: equals beats a case-insensitive region match,
      // and HTTP clients pass method names that are string constants, so an interned literal
      // usually compares equal by identity
      methodLiterals[i] =
          m.method() == null || m.method().indexOf('*') >= 0
              ? null
              : m.method().toUpperCase(Locale.ROOT).intern();
      paths[i] = m.path() == null ? null : Glob.compile(m.path());
      // "" for no path part: it fits every path
      pathPrefixes[i] = paths[i] == null ? "" : paths[i].literalPrefix();
    }
    pathTree = n <= PathPrefixTree.MAX_POLICIES ? new PathPrefixTree(pathPrefixes) : null;
  }

  /** The policies whose host and port parts hold for a target, in order. */
  int[] candidates(String host, int port) {
    int count = 0;
    int[] all = new int[hosts.length];
    for (int i = 0; i < hosts.length; i++) {
      if ((ports[i] < 0 || ports[i] == port) && (hosts[i] == null || hosts[i].matches(host))) {
        all[count++] = i;
      }
    }
    return Arrays.copyOf(all, count);
  }

  /**
   * {@code candidates} as the bits of a {@code long} (bit {@code i} for policy {@code i}), for
   * {@link #match}; those past {@link PathPrefixTree#MAX_POLICIES} left out (their index then has
   * no tree, and {@code match} reads the indexes).
   */
  static long mask(int[] candidates) {
    long mask = 0;
    for (int i : candidates) {
      if (i < PathPrefixTree.MAX_POLICIES) {
        mask |= 1L << i;
      }
    }
    return mask;
  }

  private boolean methodMatches(int i, String method) {
    String literal = methodLiterals[i];
    if (literal == null) {
      return methods[i].matches(method);
    }
    return method != null && (literal.equals(method) || literal.equalsIgnoreCase(method));
  }

  private boolean matches(int i, String method, String path) {
    return (methods[i] == null || methodMatches(i, method))
        && (paths[i] == null || paths[i].matches(path));
  }

  /**
   * The first of {@code candidates} whose method and path parts hold, or {@link
   * CompiledRules#NO_MATCH}; {@code mask} is {@link #mask mask(candidates)}.
   */
  int match(int[] candidates, long mask, String method, String path) {
    // no path (the registry passes "/" instead) fits no path glob: checked in turn
    if (path == null || pathTree == null || candidates.length < 2) {
      for (int i : candidates) {
        if (matches(i, method, path)) {
          return i;
        }
      }
      return CompiledRules.NO_MATCH;
    }
    // bits in ascending order are the policies in document order: the first that holds decides
    for (long left = mask & pathTree.narrow(path); left != 0; left &= left - 1) {
      int i = Long.numberOfTrailingZeros(left);
      if (matches(i, method, path)) {
        return i;
      }
    }
    return CompiledRules.NO_MATCH;
  }
}
