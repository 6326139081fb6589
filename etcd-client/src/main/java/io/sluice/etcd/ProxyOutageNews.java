package io.sluice.etcd;

import java.net.URI;
import java.util.Collection;

/**
 * What a proxy in front of etcd adds to an outage already warned of, told once per stretch of
 * failures: a proxy that answers it could not reach etcd ({@link
 * EtcdRefusal#unreachableBehindProxy}) says where etcd is lost, and a proxy that can no longer be
 * looked up ({@link EtcdRefusal#proxyNotLookedUp}) says what to fix, though the stretch's first
 * warning said something else (the tunnel closing as etcd stopped). The rule source and the status
 * reporter keep one each; not thread-safe, as the single thread that logs their failures uses it.
 */
public final class ProxyOutageNews {

  private boolean behindProxyTold;
  private boolean lookupTold;

  /**
   * A proxy's part in one failure.
   *
   * @param behindProxy a proxy's answer that it could not reach etcd, or {@code null}
   * @param lookup that the proxy could not be looked up, or {@code null}
   */
  public record ProxyCause(String behindProxy, String lookup) {

    /** The proxy's part in {@code error}, naming {@code endpoints}. */
    public static ProxyCause of(Throwable error, Collection<URI> endpoints) {
      String behindProxy = EtcdRefusal.unreachableBehindProxy(error, endpoints);
      return new ProxyCause(
          behindProxy, behindProxy != null ? null : EtcdRefusal.proxyNotLookedUp(error));
    }

    /** What to say of the failure: the proxy's part, or {@code otherwise} when it has none. */
    public String or(String otherwise) {
      return behindProxy != null ? behindProxy : lookup != null ? lookup : otherwise;
    }
  }

  /** The stretch's first warning said {@code cause}: it is not news later in the stretch. */
  public void firstTold(ProxyCause cause) {
    behindProxyTold = cause.behindProxy() != null;
    lookupTold = cause.lookup() != null;
  }

  /**
   * What of {@code cause} the stretch's warnings have not said yet, now counted as said; {@code
   * null} when there is nothing new.
   */
  public String news(ProxyCause cause) {
    String news = unsaid(cause);
    if (news != null) {
      said(cause);
    }
    return news;
  }

  /**
   * What of {@code cause} the stretch's warnings have not said yet, without counting it as said;
   * {@code null} when there is nothing new. For a caller whose line may fail to be written (a log
   * handler that throws): it calls {@link #said} only once the line is.
   */
  public String unsaid(ProxyCause cause) {
    return cause.behindProxy() != null && !behindProxyTold
        ? cause.behindProxy()
        : cause.lookup() != null && !lookupTold ? cause.lookup() : null;
  }

  /** A line that said {@code cause}'s {@link #unsaid} news was written: it is news no more. */
  public void said(ProxyCause cause) {
    behindProxyTold |= cause.behindProxy() != null;
    lookupTold |= cause.lookup() != null;
  }

  /** The stretch of failures ended: anything may be news again. */
  public void reset() {
    behindProxyTold = false;
    lookupTold = false;
  }
}
