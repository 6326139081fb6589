package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The level {@link BundledLibraryLogs} holds a bundled library's logger to: the agent's simple
 * logger property of the longest prefix of its name that has one, errors only by default. (That the
 * agent's application logging then drops what is below it is {@code StartWithoutEtcdIT}'s.)
 */
class BundledLibraryLogsTest {

  private static final String PROPERTY = SluiceAutoConfiguration.LIBRARY_LOG_LEVEL_PROPERTY;
  private static final String GRPC = PROPERTY + ".io.grpc";

  private String before;

  @BeforeEach
  void clearTheLevels() {
    before = System.clearProperty(PROPERTY);
    System.clearProperty(GRPC);
  }

  @AfterEach
  void restoreTheLevels() {
    System.clearProperty(GRPC);
    if (before == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, before);
    }
  }

  @Test
  void errorsOnlyWhenNoLevelIsSet() {
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.io.grpc.internal.X")).isZero();
  }

  @Test
  void theLongestPrefixWithALevelDecides() {
    System.setProperty(PROPERTY, "info");
    System.setProperty(GRPC, "debug");

    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.io.grpc.internal.X")).isEqualTo(3);
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.io.etcd.jetcd.Y")).isEqualTo(2);
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded")).isEqualTo(2);
  }

  @Test
  void readsTheSimpleLoggersLevelNames() {
    System.setProperty(PROPERTY, " WARN ");
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.a.B")).isEqualTo(1);
    System.setProperty(PROPERTY, "off");
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.a.B")).isEqualTo(-1);
    System.setProperty(PROPERTY, "trace");
    assertThat(BundledLibraryLogs.threshold("io.sluice.shaded.a.B")).isEqualTo(4);
  }
}
