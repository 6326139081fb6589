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

  /**
   * Each path glob's literal prefix ({@link #literalPrefix}), and whether it decides the match
   * alone (a glob {@code prefix**}, the commonest shape): a plain {@code startsWith}, not the glob.
   */
  private final String[] pathPrefixes;

  private final boolean[] prefixDecides;

  /** Over the path globs' literal prefixes; null past {@link PathPrefixTree#MAX_POLICIES}. */
  private final PathPrefixTree pathTree;

  CallIndex(List<BreakerPolicy> policies) {
    int n = policies.size();
    hosts = new Glob[n];
    ports = new int[n];
    methods = new Glob[n];
    methodLiterals = new String[n];
    paths = new Glob[n];
    pathPrefixes = new String[n];
    prefixDecides = new boolean[n];
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
      pathPrefixes[i] = literalPrefix(m.path());
      prefixDecides[i] =
          m.path() != null
              && m.path().indexOf('*') == m.path().length() - 2
              && m.path().endsWith("**");
    }
    pathTree = n <= PathPrefixTree.MAX_POLICIES ? new PathPrefixTree(pathPrefixes) : null;
  }

  /** The text a path glob's matches all start with: before its first {@code *}; "" for none. */
  private static String literalPrefix(String pathGlob) {
    if (pathGlob == null) {
      return "";
    }
    int star = pathGlob.indexOf('*');
    return star < 0 ? pathGlob : pathGlob.substring(0, star);
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
    if (methods[i] != null && !methodMatches(i, method)) {
      return false;
    }
    Glob glob = paths[i];
    if (glob == null) {
      return true;
    }
    return prefixDecides[i] ? path.startsWith(pathPrefixes[i]) : glob.matches(path);
  }

  /**
   * The first of {@code candidates} whose method and path parts hold, or {@link
   * CompiledRules#NO_MATCH}; {@code mask} is {@link #mask mask(candidates)}.
   */
  int match(int[] candidates, long mask, String method, String path) {
    if (path == null) {
      // no path: only a policy without a path part can match (the registry passes "/" instead)
      for (int i : candidates) {
        if (paths[i] == null && (methods[i] == null || methodMatches(i, method))) {
          return i;
        }
      }
      return CompiledRules.NO_MATCH;
    }
    if (pathTree == null || candidates.length < 2) {
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
