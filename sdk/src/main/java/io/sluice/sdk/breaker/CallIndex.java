package io.sluice.sdk.breaker;

import io.sluice.rules.BreakerPolicy;
import io.sluice.rules.CallMatch;
import io.sluice.rules.CallTarget;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.Glob;
import java.util.List;

/**
 * Finds the first breaker policy that covers a call, with the same answer as {@link
 * CompiledRules#breakerPolicyIndex} (a test checks this on random policies and calls), split in two
 * so the expensive half is done once per target: which policies' host and port parts hold depends
 * only on the target, so {@link Target} keeps that candidate list per snapshot, and a call only
 * checks the candidates' method and path globs.
 */
final class CallIndex {

  private final Glob[] hosts;
  private final int[] ports;
  private final Glob[] methods;
  private final String[] methodLiterals;
  private final Glob[] paths;

  CallIndex(List<BreakerPolicy> policies) {
    int n = policies.size();
    hosts = new Glob[n];
    ports = new int[n];
    methods = new Glob[n];
    methodLiterals = new String[n];
    paths = new Glob[n];
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
              : m.method().toUpperCase(java.util.Locale.ROOT).intern();
      paths[i] = m.path() == null ? null : Glob.compile(m.path());
    }
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
    return java.util.Arrays.copyOf(all, count);
  }

  private boolean methodMatches(int i, String method) {
    String literal = methodLiterals[i];
    if (literal == null) {
      return methods[i].matches(method);
    }
    return method != null && (literal.equals(method) || literal.equalsIgnoreCase(method));
  }

  /** The first candidate whose method and path parts hold, or {@link CompiledRules#NO_MATCH}. */
  int match(int[] candidates, String method, String path) {
    for (int c = 0; c < candidates.length; c++) {
      int i = candidates[c];
      if ((methods[i] == null || methodMatches(i, method))
          && (paths[i] == null || paths[i].matches(path))) {
        return i;
      }
    }
    return CompiledRules.NO_MATCH;
  }
}
