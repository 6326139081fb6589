package io.sluice.controlplane.etcd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why the control plane started without etcd, as {@link EtcdWarmUp} found it, for the {@code etcd}
 * component of {@code /actuator/health} ({@code start} beside its {@code error}): the warm-up's
 * verdict, and what each endpoint showed when it was probed (connection refused, connect timed out,
 * accepted but did not answer, does not resolve, did not resolve in time, answered), or why it was
 * not (dialled through an HTTP proxy, left out by the client). That was only in the log, which an
 * operator looking at a DOWN control plane may not have at hand.
 *
 * <p>It tells about the start only: the first time etcd is read, it is forgotten, so an outage
 * hours later is never shown with the start's findings.
 */
final class StartFindings {

  /**
   * What the warm-up found.
   *
   * @param verdict why it stopped waiting, in one sentence
   * @param endpoints each probed address and what it showed, in probe order, then each endpoint not
   *     probed (dialled through an HTTP proxy, or left out by the client) and why; empty when there
   *     is none
   */
  record Found(String verdict, List<EndpointProbe.Finding> endpoints) {

    Found {
      endpoints = List.copyOf(endpoints);
    }

    /** As health shows it: {@code verdict}, and {@code endpoints} by address when any. */
    Map<String, Object> details() {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("verdict", verdict);
      if (!endpoints.isEmpty()) {
        Map<String, String> byAddress = new LinkedHashMap<>();
        endpoints.forEach(f -> byAddress.put(f.address(), f.shown()));
        details.put("endpoints", byAddress);
      }
      return details;
    }
  }

  private volatile Found found;

  /** The warm-up stopped waiting for etcd: says why until etcd is first read. */
  void record(Found found) {
    this.found = found;
  }

  /** etcd was read: the start's findings no longer tell anything. */
  void forget() {
    if (found != null) { // one volatile read on every answered etcd call
      found = null;
    }
  }

  /** What the start found, or {@code null} when it connected or etcd was read since. */
  Found found() {
    return found;
  }
}
