package io.sluice.testing.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension with {@code @Nested} classes: runs a sample class through the JUnit launcher and
 * looks at the servers its tests saw once the launcher is done.
 */
class EtcdExtensionNestedIT {

  private static final String SAMPLE_RUN = "sluice.test.etcd-extension-sample";
  private static final List<EtcdServer> seen = new CopyOnWriteArrayList<>();

  @Test
  void nestedClassesShareTheServerAndTheClassThatStartedItClosesIt() {
    seen.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(Sample.class))
                .configurationParameter(SAMPLE_RUN, "true")
                .build(),
            listener);

    TestExecutionSummary summary = listener.getSummary();
    assertThat(summary.getFailures())
        .as("failures of the sample")
        .extracting(failure -> failure.getException().toString())
        .isEmpty();
    assertThat(summary.getTestsSucceededCount()).isEqualTo(3);
    assertThat(seen).hasSize(3);
    assertThat(seen.stream().distinct())
        .as("one server for the class and its nested ones")
        .hasSize(1);
    assertThat(seen.get(0).isRunning()).as("stopped once the class is done").isFalse();
  }

  static boolean sampleRun(ExtensionContext context) {
    return context.getConfigurationParameter(SAMPLE_RUN).isPresent();
  }

  /** Run only by the test above, through the launcher. */
  @EnabledIf("io.sluice.testing.etcd.EtcdExtensionNestedIT#sampleRun")
  static class Sample {

    @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

    @Test
    void outer() {
      record(etcd.server());
    }

    @Nested
    class Inner {

      @Test
      void inner(EtcdServer server) {
        assertThat(server).isSameAs(etcd.server());
        record(server);
      }

      @Nested
      class Innermost {

        @Test
        void innermost() {
          record(etcd.server());
        }
      }
    }

    private static void record(EtcdServer server) {
      assertThat(server.isRunning()).isTrue();
      seen.add(server);
    }
  }
}
