package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {

  @Test
  void issuesEveryCertificateAndKey(@TempDir Path dir) {
    TestCertificates certificates = TestCertificates.issue(dir);
    assertThat(certificates.caCert()).isRegularFile();
    assertThat(certificates.serverCert()).isRegularFile();
    assertThat(certificates.serverKey()).isRegularFile();
    assertThat(certificates.clientCert()).isRegularFile();
    assertThat(certificates.clientKey()).isRegularFile();
    assertThat(certificates.otherCaCert()).isRegularFile();
    assertThat(dir.resolve("openssl-output.txt")).doesNotExist();
  }

  @Test
  void failsWithWhatOpensslSaidInsteadOfWaitingWhenItPrompts(@TempDir Path dir) {
    TestCertificates.openssl(
        dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.key");
    // without -subj, openssl req asks for the subject on standard input
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(
                    () ->
                        TestCertificates.openssl(
                            dir, "req", "-new", "-key", "k.key", "-out", "x.csr"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("openssl req -new")
                .hasMessageContaining("Country Name"));
  }
}
