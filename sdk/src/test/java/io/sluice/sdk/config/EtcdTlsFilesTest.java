package io.sluice.sdk.config;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.GrpcSslContexts;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.sluice.testing.etcd.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS files are read once: what was checked is what the context is made of, whatever happens to
 * the files after. The context is tried in a real TLS handshake (in memory) against a server that
 * requires a client certificate of the test CA.
 */
class EtcdTlsFilesTest {

  private static final ConfigLookup KEYS = ConfigLookup.of(key -> null);

  @TempDir Path dir;

  private TestCertificates certs;
  private EtcdTls tls;

  @BeforeEach
  void filesOfTheTestCa() throws Exception {
    certs = TestCertificates.issue(dir.resolve("certs"));
    tls =
        new EtcdTls(
            Files.copy(certs.caCert(), dir.resolve("ca.pem")),
            Files.copy(certs.clientCert(), dir.resolve("client.pem")),
            Files.copy(certs.clientKey(), dir.resolve("client.key")),
            null,
            null);
  }

  @Test
  void theContextIsMadeOfWhatWasReadNotOfFilesReplacedSince() throws Exception {
    EtcdTlsFiles files = EtcdTlsFiles.read(tls, KEYS);
    assertThat(files.problems()).isEmpty();

    // replaced after the check by other usable PEM files: another CA, and a key of another
    // certificate, which a context read afresh would pair with the client certificate read before
    Files.copy(certs.otherCaCert(), tls.caFile(), REPLACE_EXISTING);
    Files.copy(certs.serverKey(), tls.keyFile(), REPLACE_EXISTING);

    SslContextBuilder ssl = GrpcSslContexts.forClient();
    assertThat(files.applyTo(ssl)).isEmpty();
    assertThat(handshake(ssl.build())).as("a handshake with the files as they were read").isTrue();
    // the test tells the two apart: a context of the files as they are now is refused
    SslContextBuilder now = GrpcSslContexts.forClient();
    assertThat(EtcdTlsFiles.read(tls, KEYS).applyTo(now)).isEmpty();
    assertThat(handshake(now.build())).as("a handshake with the replaced files").isFalse();
  }

  @Test
  void aFileThatBreaksAfterTheCheckDoesNotBreakTheContext() throws Exception {
    EtcdTlsFiles files = EtcdTlsFiles.read(tls, KEYS);

    Files.writeString(tls.caFile(), "garbage");
    Files.delete(tls.keyFile());

    SslContextBuilder ssl = GrpcSslContexts.forClient();
    assertThat(files.applyTo(ssl)).isEmpty();
    assertThat(handshake(ssl.build())).isTrue();
  }

  @Test
  void aFileRepairedAfterTheCheckIsStillRefusedAsItWasRead() throws Exception {
    Files.writeString(tls.caFile(), "garbage");
    EtcdTlsFiles files = EtcdTlsFiles.read(tls, KEYS);

    Files.copy(certs.caCert(), tls.caFile(), REPLACE_EXISTING);

    assertThat(files.applyTo(GrpcSslContexts.forClient()))
        .containsExactly(
            "sluice.etcd.tls.ca-file="
                + tls.caFile()
                + ": holds no PEM certificate that can be used"
                + " (found no certificates in input stream)");
  }

  /**
   * Whether a client with {@code client} and a server with the test CA's server certificate, which
   * requires a client certificate of that CA, both complete a TLS handshake, passed between them in
   * memory until neither has anything more to send.
   */
  private boolean handshake(SslContext client) throws Exception {
    SslContext server =
        GrpcSslContexts.forServer(certs.serverCert().toFile(), certs.serverKey().toFile())
            .trustManager(certs.caCert().toFile())
            .clientAuth(ClientAuth.REQUIRE)
            .build();
    // held here: a side whose handshake fails closes, and its pipeline lets go of the handler
    SslHandler clientTls = client.newHandler(ByteBufAllocator.DEFAULT, "localhost", 2379);
    SslHandler serverTls = server.newHandler(ByteBufAllocator.DEFAULT);
    EmbeddedChannel clientSide = new EmbeddedChannel(clientTls);
    EmbeddedChannel serverSide = new EmbeddedChannel(serverTls);
    try {
      // a handshake is a few flights; the bound only keeps a broken one from looping
      for (int flight = 0; flight < 20; flight++) {
        boolean moved = pass(clientSide, serverSide);
        moved |= pass(serverSide, clientSide);
        if (!moved) {
          break;
        }
      }
      return clientTls.handshakeFuture().isSuccess() && serverTls.handshakeFuture().isSuccess();
    } finally {
      clientSide.finishAndReleaseAll();
      serverSide.finishAndReleaseAll();
    }
  }

  /** Whether {@code from} had bytes to send, which are given to {@code to}. */
  private static boolean pass(EmbeddedChannel from, EmbeddedChannel to) {
    boolean moved = false;
    for (Object bytes = from.readOutbound(); bytes != null; bytes = from.readOutbound()) {
      moved = true;
      if (!to.isOpen()) {
        ReferenceCountUtil.release(bytes);
        continue;
      }
      try {
        to.writeInbound(bytes);
      } catch (Exception refused) {
        // the handshake failed on that side (Netty rethrows it here): its future says so
      }
    }
    return moved;
  }
}
