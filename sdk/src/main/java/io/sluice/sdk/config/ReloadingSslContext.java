package io.sluice.sdk.config;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.sluice.sdk.QuietLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * The client TLS context for etcd, made again from its PEM files whenever they change, so that a
 * rotated certificate is used from the next connection on.
 *
 * <p>Exists because an etcd client is made once and reconnects for as long as the app runs, with
 * the one context it was given: certificates renewed in place (a Kubernetes secret updated by
 * cert-manager, short-lived certificates written by a Vault or SPIFFE agent) were never read, and
 * once the first one expired every reconnection failed its handshake, the agent cut off from etcd
 * until a restart. Each new connection asks this context for an engine; it first compares each
 * file's modification time, size and identity with those of the files it was made from (a few
 * {@code stat} calls per connection, none per request), and makes a context from the changed files
 * when they differ. Files that cannot be used (half written, a key beside another certificate) are
 * logged once, as a WARNING, and the context made before stays in use until they change again.
 * Connections already open keep theirs.
 */
final class ReloadingSslContext extends SslContext {

  private static final Logger logger = Logger.getLogger(EtcdClientFactory.class.getName());

  /** A context and the state of the files it was made from. */
  private record Made(SslContext context, List<Object> files) {}

  private final EtcdTls tls;
  private final Function<EtcdTls, SslContext> make;
  private volatile Made made;

  /** The state of the files last refused, so that they are read again only once they change. */
  private List<Object> refused; // guarded by this

  private ReloadingSslContext(EtcdTls tls, Function<EtcdTls, SslContext> make, Made made) {
    this.tls = tls;
    this.make = make;
    this.made = made;
  }

  /**
   * Makes the first context of {@code tls}'s files with {@code make}, which throws {@link
   * EtcdTlsException} when they cannot be used: then this throws it too.
   */
  static ReloadingSslContext of(EtcdTls tls, Function<EtcdTls, SslContext> make) {
    List<Object> files = state(tls);
    return new ReloadingSslContext(tls, make, new Made(make.apply(tls), files));
  }

  /** The context of the files as they are now, or of the last ones that could be used. */
  SslContext current() {
    Made m = made;
    List<Object> files = state(tls);
    if (files.equals(m.files)) {
      return m.context;
    }
    synchronized (this) {
      m = made;
      if (files.equals(m.files) || files.equals(refused)) {
        return m.context;
      }
      try {
        SslContext context = make.apply(tls);
        made = new Made(context, files);
        refused = null;
        QuietLog.write(
            logger,
            Level.INFO,
            "the TLS files for etcd changed: new connections to etcd use them (" + tls + ")",
            null);
        return context;
      } catch (RuntimeException e) {
        refused = files;
        QuietLog.write(
            logger,
            Level.WARNING,
            "the TLS files for etcd changed, and cannot be used: "
                + (e instanceof EtcdTlsException ? e.getMessage() : e.toString())
                + "; connections to etcd go on with the files read before, until these change"
                + " again",
            null);
        return m.context;
      }
    }
  }

  /**
   * What tells a file's versions apart: its modification time, size and identity (a Kubernetes
   * volume swaps a symbolic link to another directory, which is followed), or why it cannot be
   * read; one entry per configured file.
   */
  private static List<Object> state(EtcdTls tls) {
    List<Object> state = new ArrayList<>(3);
    for (Path file : new Path[] {tls.caFile(), tls.certFile(), tls.keyFile()}) {
      if (file == null) {
        state.add(null);
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        state.add(List.of(a.lastModifiedTime(), a.size(), Objects.toString(a.fileKey())));
      } catch (IOException | SecurityException e) {
        state.add(e.getClass().getName());
      }
    }
    return state;
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return current().newEngine(alloc);
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    return current().newEngine(alloc, peerHost, peerPort);
  }

  @Override
  public boolean isClient() {
    return true;
  }

  @Override
  public List<String> cipherSuites() {
    return made.context.cipherSuites();
  }

  @Override
  @SuppressWarnings("deprecation")
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return made.context.applicationProtocolNegotiator();
  }

  @Override
  public SSLSessionContext sessionContext() {
    return made.context.sessionContext();
  }
}
