package io.sluice.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testing.etcd.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration given in code is refused in the words its user wrote: the builder's methods for
 * {@link SluiceConfig#builder()}, the constructor's parameters for {@code new SluiceConfig(…)},
 * also in the advice of an endpoint's message and for TLS files; one read from keys keeps the keys,
 * as before.
 */
class SluiceConfigNamedInCodeTest {

  @TempDir Path dir;

  @Test
  void anEndpointsAdviceNamesTheBuilderMethodsToCall() {
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("http://agent:secret@etcd:2379")
                    .serviceName("orders")
                    .build())
        .hasMessageContaining(
            "builder().addEtcdEndpoint(…)=http://agent:****@etcd:2379: credentials do not belong"
                + " in an endpoint URL; set builder().etcdCredentials(user, password)")
        .hasMessageNotContaining("sluice.etcd");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("http://etcd:2379")
                    .tls(EtcdTls.systemTrust())
                    .serviceName("orders")
                    .build())
        .hasMessageContaining(
            "builder().addEtcdEndpoint(…)=http://etcd:2379: TLS settings (builder().tls(…)) need"
                + " https:// endpoints")
        .hasMessageNotContaining("sluice.etcd");
  }

  @Test
  void anEndpointsAdviceNamesTheConstructorsParameters() {
    assertThatThrownBy(
            () ->
                new SluiceConfig(
                    java.util.List.of(java.net.URI.create("https://etcd_1:2379")),
                    "/sluice",
                    null,
                    null,
                    null,
                    null,
                    dir,
                    "orders"))
        .hasMessageContaining(
            "new SluiceConfig(etcdEndpoints, …)=https://etcd_1:2379: TLS cannot check")
        .hasMessageContaining("set new SluiceConfig(…, tls, …).authority() to a name")
        .hasMessageNotContaining("sluice.etcd");
    assertThatThrownBy(
            () ->
                new SluiceConfig(
                    java.util.List.of(java.net.URI.create("http://a:b@etcd:2379")),
                    "/sluice",
                    null,
                    null,
                    null,
                    null,
                    dir,
                    "orders"))
        .hasMessageContaining("set new SluiceConfig(…, etcdUser, etcdPassword, …)")
        .hasMessageNotContaining("sluice.etcd");
  }

  @Test
  void anEndpointsAdviceKeepsTheKeysForKeysAndNamesTheVariablesForTheEnvironment() {
    Map<String, String> properties =
        Map.of(
            "sluice.etcd.endpoints", "http://agent:secret@etcd:2379",
            "sluice.etcd.tls.ca-file", "/ca.pem",
            "otel.service.name", "orders");
    assertThatThrownBy(() -> SluiceConfig.fromProperties(properties::get))
        .hasMessageContaining(
            "sluice.etcd.endpoints=http://agent:****@etcd:2379: credentials do not belong in an"
                + " endpoint URL; set sluice.etcd.user and sluice.etcd.password")
        .hasMessageContaining("TLS settings (sluice.etcd.tls.*) need https://");
    Map<String, String> environment =
        Map.of(
            "SLUICE_ETCD_ENDPOINTS", "https://etcd_1:2379",
            "OTEL_SERVICE_NAME", "orders");
    assertThatThrownBy(
            () ->
                SluiceConfig.fromProperties(
                    ConfigLookup.propertiesThenEnvironment(key -> null, environment::get)))
        .hasMessageContaining("environment variable SLUICE_ETCD_ENDPOINTS=https://etcd_1:2379")
        .hasMessageContaining(
            "set sluice.etcd.tls.authority (SLUICE_ETCD_TLS_AUTHORITY) to a name");
  }

  @Test
  void tlsFilesGivenToTheBuilderAreCheckedByBuildAndNamedByItsMethods() throws Exception {
    Path missingCa = dir.resolve("missing-ca.pem");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "garbage");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("https://etcd:2379")
                    .tls(new EtcdTls(missingCa, garbage, garbage, null, null))
                    .serviceName("orders")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("builder().tls(…).caFile()=" + missingCa + ": no such file")
        .hasMessageNotContaining("sluice.etcd");

    Path ca = Files.writeString(dir.resolve("ca.pem"), "no CA");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("https://etcd:2379")
                    .tls(new EtcdTls(ca, garbage, garbage, null, null))
                    .serviceName("orders")
                    .build())
        .hasMessageContaining("builder().tls(…).caFile()=" + ca + ": holds no PEM certificate")
        .hasMessageContaining(
            "builder().tls(…).certFile()=" + garbage + ": holds no PEM certificate")
        .hasMessageNotContaining("sluice.etcd");

    TestCertificates certs = TestCertificates.issue(dir.resolve("certs"));
    Path notAKey = Files.writeString(dir.resolve("key.pem"), "not a key");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("https://etcd:2379")
                    .tls(new EtcdTls(null, certs.clientCert(), notAKey, "hunter2", null))
                    .serviceName("orders")
                    .build())
        .hasMessageContaining(
            "builder().tls(…).keyFile()=" + notAKey + ": holds no PKCS#8 PEM private key")
        .hasMessageContaining("(or builder().tls(…).keyPassword() does not decrypt it)")
        .hasMessageNotContaining("hunter2")
        .hasMessageNotContaining("sluice.etcd");
  }

  /** A certificate file without its key, missing too: one message, not "needs" and "no such". */
  @Test
  void aCertificateWithoutItsKeyIsNamedOnce() {
    Path missingCert = dir.resolve("missing-cert.pem");
    assertThatThrownBy(
            () ->
                SluiceConfig.builder()
                    .addEtcdEndpoint("https://etcd:2379")
                    .tls(new EtcdTls(null, missingCert, null, null, null))
                    .serviceName("orders")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "builder().tls(…).certFile()=" + missingCert + " needs builder().tls(…).keyFile()")
        .satisfies(
            e ->
                assertThat(e.getMessage().split(Pattern.quote(missingCert.toString()), -1))
                    .as("the file named once")
                    .hasSize(2));
  }

  @Test
  void tlsFilesReadFromKeysAreStillNamedByTheirKeysWhenTheClientIsMade() {
    Path missingCa = dir.resolve("missing-ca.pem");
    SluiceConfig config =
        SluiceConfig.fromProperties(
            Map.of(
                    "sluice.etcd.endpoints",
                    "https://etcd:2379",
                    "sluice.etcd.tls.ca-file",
                    missingCa.toString(),
                    "sluice.state.dir",
                    dir.toString(),
                    "otel.service.name",
                    "orders")
                ::get);
    // the agent rebuilds it with another service name: still checked when the client is made
    SluiceConfig rebuilt = config.toBuilder().serviceName("payments").build();

    assertThatThrownBy(() -> EtcdClientFactory.create(rebuilt))
        .isInstanceOf(EtcdTlsException.class)
        .hasMessage(
            "could not set up TLS for etcd: sluice.etcd.tls.ca-file="
                + missingCa
                + ": no such file");
  }

  @Test
  void usableTlsFilesGivenToTheBuilderBuild() throws Exception {
    TestCertificates certs = TestCertificates.issue(dir.resolve("certs"));
    SluiceConfig config =
        SluiceConfig.builder()
            .addEtcdEndpoint("https://etcd:2379")
            .tls(new EtcdTls(certs.caCert(), certs.clientCert(), certs.clientKey(), null, null))
            .serviceName("orders")
            .stateDir(dir)
            .build();
    assertThat(EtcdClientFactory.sslContext(config.tls()).isClient()).isTrue();
  }
}
