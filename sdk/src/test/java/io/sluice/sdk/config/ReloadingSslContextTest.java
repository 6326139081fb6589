package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.sluice.testing.etcd.TestCertificates;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingSslContextTest {

  @TempDir static Path pki;
  private static TestCertificates first;
  private static TestCertificates second;

  @TempDir Path mounted;

  @BeforeAll
  static void issue() {
    first = TestCertificates.issue(pki.resolve("first"));
    second = TestCertificates.issue(pki.resolve("second"));
  }

  @Test
  void keepsItsContextWhileTheFilesStayAsTheyWere() throws Exception {
    ReloadingSslContext context = ReloadingSslContext.of(mount(first), this::make);
    SslContext made = context.current();

    assertThat(context.current()).isSameAs(made);
    assertThat(context.isClient()).isTrue();
    assertThat(context.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT).getUseClientMode())
        .isTrue();
  }

  @Test
  void makesItAgainFromRotatedFilesAndSaysSo() throws Exception {
    ReloadingSslContext context = ReloadingSslContext.of(mount(first), this::make);
    SslContext before = context.current();

    mount(second);

    try (LogCapture log = LogCapture.of(EtcdClientFactory.class)) {
      SslContext after = context.current();
      assertThat(after).isNotSameAs(before);
      assertThat(context.current()).isSameAs(after);
      assertThat(log.messages())
          .singleElement()
          .asString()
          .startsWith("the TLS files for etcd changed: new connections to etcd use them");
    }
  }

  /**
   * A rotation caught half way (the certificate written, not yet its key; a file being written)
   * leaves the context made before in use, with one WARNING naming the file, until the files change
   * again.
   */
  @Test
  void keepsTheContextMadeBeforeWhileTheChangedFilesCannotBeUsed() throws Exception {
    EtcdTls tls = mount(first);
    ReloadingSslContext context = ReloadingSslContext.of(tls, this::make);
    SslContext before = context.current();

    Files.writeString(tls.keyFile(), "-----BEGIN PRIVATE KEY-----\nMIIE");

    try (LogCapture log = LogCapture.of(EtcdClientFactory.class)) {
      assertThat(context.current()).isSameAs(before);
      assertThat(context.current()).isSameAs(before);
      assertThat(log.warnings())
          .singleElement()
          .asString()
          .contains("the TLS files for etcd changed, and cannot be used")
          .contains("sluice.etcd.tls.key-file=" + tls.keyFile())
          .endsWith(
              "connections to etcd go on with the files read before, until these change again");

      mount(second);
      assertThat(context.current()).isNotSameAs(before);
      assertThat(log.warnings()).hasSize(1);
    }
  }

  @Test
  void refusesFilesThatCannotBeUsedAtTheStart() throws Exception {
    EtcdTls tls = mount(first);
    Files.writeString(tls.certFile(), "not a certificate");

    assertThatThrownBy(() -> ReloadingSslContext.of(tls, this::make))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessageContaining("sluice.etcd.tls.cert-file=" + tls.certFile());
  }

  private SslContext make(EtcdTls tls) {
    return EtcdClientFactory.sslContextOnce(tls);
  }

  /** Copies the CA and client files of {@code issued} over the mounted ones. */
  private EtcdTls mount(TestCertificates issued) throws Exception {
    Path ca = mounted.resolve("ca.crt");
    Path cert = mounted.resolve("tls.crt");
    Path key = mounted.resolve("tls.key");
    Files.copy(issued.caCert(), ca, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.clientCert(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.clientKey(), key, StandardCopyOption.REPLACE_EXISTING);
    return new EtcdTls(ca, cert, key, null, null);
  }
}
