package io.sluice.controlplane.etcd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes an {@code etcd} for the search path that stands in for the real one at chosen launches (0
 * the first): it can hold a launch until the test {@linkplain EtcdLaunches#release releases} it (60
 * s at most), then have it exit at once saying something, or never answer; every other launch runs
 * the real etcd. Every launch first writes its arguments to {@code args.<n>} ({@link
 * EtcdLaunches#awaitClientPort}). Exists so that a test can act between an etcd's start and its
 * binding of its ports, or between its exit and its restart, with one script instead of one written
 * out per test: {@code EtcdLaunchScript.real().hold(1).writeTo(bin)}.
 */
public final class EtcdLaunchScript {

  private final Set<Integer> held = new TreeSet<>();
  private final Map<Integer, String> failing = new TreeMap<>();
  private final Set<Integer> hanging = new TreeSet<>();

  private EtcdLaunchScript() {}

  /** A script whose every launch runs the real etcd (from {@code PATH}) until told otherwise. */
  public static EtcdLaunchScript real() {
    return new EtcdLaunchScript();
  }

  /** Launch {@code launch} waits until the test releases it, then goes on as told. */
  public EtcdLaunchScript hold(int launch) {
    held.add(checked(launch));
    return this;
  }

  /** Launch {@code launch} prints {@code says} and exits with 1 (after its hold, if held). */
  public EtcdLaunchScript fail(int launch, String says) {
    if (says.contains("'") || says.contains("\n")) {
      throw new IllegalArgumentException("says must be one line without ': " + says);
    }
    failing.put(checked(launch), says);
    return this;
  }

  /**
   * Launch {@code launch} never answers (after its hold, if held): it waits on its standard input,
   * which the embedded etcd keeps open.
   */
  public EtcdLaunchScript hang(int launch) {
    hanging.add(checked(launch));
    return this;
  }

  /** Writes the script as {@code bin/etcd}; its launches' files go to {@code bin} too. */
  public EtcdLaunches writeTo(Path bin) throws IOException {
    String dir = "'" + bin + "'";
    List<String> lines = new ArrayList<>();
    lines.add("#!/bin/sh");
    lines.add("n=0; while [ -e " + dir + "/args.$n ]; do n=$((n + 1)); done");
    lines.add(
        "printf '%s\\n' \"$@\" >"
            + dir
            + "/args.$n.tmp && mv "
            + dir
            + "/args.$n.tmp "
            + dir
            + "/args.$n");
    for (int launch : held) {
      // 60 s at most
      lines.add(
          "if [ $n -eq "
              + launch
              + " ]; then i=0; while [ ! -e "
              + dir
              + "/go.$n ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done; fi");
    }
    failing.forEach(
        (launch, says) ->
            lines.add("if [ $n -eq " + launch + " ]; then echo '" + says + "'; exit 1; fi"));
    for (int launch : hanging) {
      lines.add("if [ $n -eq " + launch + " ]; then read never; exit 1; fi");
    }
    lines.add("exec '" + EmbeddedEtcd.find(System.getenv().getOrDefault("PATH", "")) + "' \"$@\"");
    lines.add("");
    Path script = bin.resolve("etcd");
    Files.writeString(script, String.join("\n", lines));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return new EtcdLaunches(bin);
  }

  private static int checked(int launch) {
    if (launch < 0) {
      throw new IllegalArgumentException("launch must be 0 or more: " + launch);
    }
    return launch;
  }
}
