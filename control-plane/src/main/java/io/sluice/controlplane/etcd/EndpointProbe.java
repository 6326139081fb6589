package io.sluice.controlplane.etcd;

import io.sluice.etcd.EtcdAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

/**
 * Whether anything listens at etcd's endpoints at all, told by a plain TCP connect to each address
 * of each endpoint. It exists for {@link EtcdWarmUp}: jetcd's calls wait for a connection ({@code
 * waitForReady}), so a read of an etcd that is not running only ends at its deadline, with nothing
 * to tell "not running" (every connection refused, which the OS says at once) from "slow to
 * answer". The connection is closed at once, without a byte sent.
 */
final class EndpointProbe {

  private final List<EtcdAddress> addresses;
  private final int connectTimeoutMs;

  /**
   * @param addresses the endpoints the client dials
   * @param connectTimeout how long one connect may take: one that takes longer is no refusal
   */
  EndpointProbe(List<EtcdAddress> addresses, Duration connectTimeout) {
    this.addresses = List.copyOf(addresses);
    this.connectTimeoutMs =
        (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
  }

  /**
   * Whether every address of every endpoint refused the connection: nothing listens there now.
   * False as soon as one accepts, does not answer in time, or cannot be resolved (a DNS hiccup is
   * no proof that etcd is down).
   */
  boolean refusedEverywhere() {
    if (addresses.isEmpty()) {
      return false;
    }
    for (EtcdAddress address : addresses) {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(address.host());
      } catch (IOException e) {
        return false;
      }
      for (InetAddress inet : all) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(inet, address.port()), connectTimeoutMs);
          return false;
        } catch (ConnectException refused) {
          // nothing listens at this address: try the next
        } catch (IOException | IllegalArgumentException e) {
          return false;
        }
      }
    }
    return true;
  }

  /** The endpoints, {@code host:port}, for a log line. */
  String targets() {
    return String.join(", ", addresses.stream().map(EtcdAddress::target).distinct().toList());
  }
}
