package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A test's own writes to an etcd whose authentication it turned on: etcd refuses the server's
 * anonymous {@code put}, {@code delete} and {@code revision} ("user name is empty"), and the test
 * writes on as a user through {@link EtcdServer#asUser}. What it wrote is read back with jetcd, as
 * an agent would read it.
 */
class EtcdKvIT {

  private static final String ROOT_PASSWORD = "root-secret";

  private EtcdServer etcd;

  @BeforeEach
  void startEtcdWithAuthenticationOn() {
    etcd = EtcdServer.fromPath();
    etcd.start();
    etcd.addUser("root", ROOT_PASSWORD, "root");
    etcd.addReadOnlyPrefixRole("rules-reader", "/sluice/");
    etcd.addUser("reader", "reader-secret", "rules-reader");
    etcd.enableAuth();
  }

  @AfterEach
  void stopEtcd() {
    etcd.close();
  }

  @Test
  void anonymousCallsAreRefusedWithAHintOnceAuthenticationIsOn() {
    assertThatThrownBy(() -> etcd.put("/sluice/k", "v"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("user name is empty")
        .hasMessageContaining("see asUser");
    assertThatThrownBy(() -> etcd.addUser("late", "late-secret"))
        .hasMessageContaining("see asUser");
    assertThat(etcd.revision())
        .as("etcd 3.4 gives its status, and the revision in it, to anyone")
        .isPositive();
  }

  @Test
  void putsDeletesAndReadsTheRevisionAsAUser() throws Exception {
    EtcdKv root = etcd.asUser("root", ROOT_PASSWORD);

    long put = root.put("/sluice/k", "written as root");
    assertThat(root.revision()).isEqualTo(put);
    assertThat(read("/sluice/k")).containsExactly("written as root");

    root.delete("/sluice/k");
    assertThat(root.revision()).as("a delete is a revision").isEqualTo(put + 1);
    assertThat(read("/sluice/k")).isEmpty();
  }

  @Test
  void logsInAgainAfterARestartForgotItsToken() throws Exception {
    EtcdKv root = etcd.asUser("root", ROOT_PASSWORD);
    long before = root.put("/sluice/k", "before the restart");

    etcd.stop();
    etcd.start(); // etcd keeps its users, not its tokens

    assertThat(root.put("/sluice/k", "after the restart")).isGreaterThan(before);
    assertThat(read("/sluice/k")).containsExactly("after the restart");
  }

  @Test
  void readsTheRevisionAsAUserLimitedToOnePrefix() {
    etcd.asUser("root", ROOT_PASSWORD).addPrefixRole("rules-writer", "/sluice/");
    etcd.asUser("root", ROOT_PASSWORD).addUser("writer", "writer-secret", "rules-writer");
    EtcdKv writer = etcd.asUser("writer", "writer-secret");

    long put = writer.put("/sluice/k", "v");

    assertThat(writer.revision())
        .as("no read of a key outside /sluice/ (it was one of \"\\0\": permission denied)")
        .isEqualTo(put);
    assertThat(writer.compact()).isEqualTo(put);
  }

  @Test
  void managesUsersAsRootOnceAuthenticationIsOn() throws Exception {
    EtcdKv root = etcd.asUser("root", ROOT_PASSWORD);
    root.addReadOnlyKeyRole("one-rule", "/sluice/v1/rules/orders");
    root.addUser("orders-agent", "first-secret", "one-rule");
    root.put("/sluice/v1/rules/orders", "orders' rules");
    assertThat(root.get("/sluice/v1/rules/payments")).isEmpty();
    EtcdKv agent = etcd.asUser("orders-agent", "first-secret");
    assertThat(agent.get("/sluice/v1/rules/orders")).contains("orders' rules");
    assertThatThrownBy(() -> agent.get("/sluice/v1/rules/payments"))
        .hasMessageContaining("permission denied");

    root.changePassword("orders-agent", "second-secret");

    assertThatThrownBy(() -> etcd.asUser("orders-agent", "first-secret").revision())
        .hasMessageContaining("authentication failed");
    EtcdKv changed = etcd.asUser("orders-agent", "second-secret");
    assertThat(changed.get("/sluice/v1/rules/orders")).contains("orders' rules");
    assertThatThrownBy(() -> changed.addUser("intruder", "x"))
        .as("users are root's to manage")
        .hasMessageContaining("permission denied");
  }

  @Test
  void aUserGetsOnlyWhatItsRolesAllow() {
    EtcdKv reader = etcd.asUser("reader", "reader-secret");
    assertThatThrownBy(() -> reader.put("/sluice/k", "v"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("permission denied");
    assertThatThrownBy(() -> etcd.asUser("root", "wrong").revision())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("authentication failed");
  }

  /** The values under {@code key} as root reads them with jetcd: none, or the one. */
  private List<String> read(String key) throws Exception {
    try (Client client =
        Client.builder()
            .endpoints(etcd.endpoint())
            .user(bytes("root"))
            .password(bytes(ROOT_PASSWORD))
            .build()) {
      return client.getKVClient().get(bytes(key)).get(30, TimeUnit.SECONDS).getKvs().stream()
          .map(KeyValue::getValue)
          .map(value -> value.toString(StandardCharsets.UTF_8))
          .toList();
    }
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
