package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.demo.mesh.ServiceKind;
import io.sluice.demo.mesh.ServiceSettings;
import java.net.BindException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DemoMainTest {

  @Test
  void helpShowsTheTimeoutsTheServicesReallyDefaultTo() {
    assertThat(DemoMain.USAGE)
        .containsSubsequence(
            "gateway",
            "--timeout " + defaultTimeout(ServiceKind.GATEWAY),
            "orders",
            "--timeout " + defaultTimeout(ServiceKind.ORDERS),
            "payments");
  }

  @Test
  void aPortThatCannotBeBoundSaysWhereAndWhatToChange() {
    ServiceSettings settings =
        ServiceSettings.read(
            ServiceKind.ORDERS,
            Flags.parse(List.of("--host", "127.0.0.1", "--port", "8081"), name -> null));
    RuntimeException failure =
        new RuntimeException("start failed", new BindException("Address already in use"));

    assertThat(DemoMain.startFailure(settings, failure))
        .startsWith("sluice-demo: orders could not start: cannot listen on 127.0.0.1:8081")
        .contains("(Address already in use)", "--port", "--host");
  }

  /** Before the walk was bounded, this chain spun the service's start for ever. */
  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aCauseChainThatLoopsEndsTheLineWithTheOutermostMessage() {
    ServiceSettings settings =
        ServiceSettings.read(ServiceKind.ORDERS, Flags.parse(List.of(), name -> null));
    IllegalStateException outer = new IllegalStateException("deploy failed");
    IllegalStateException inner = new IllegalStateException("inner", outer);
    outer.initCause(inner);

    assertThat(DemoMain.startFailure(settings, outer))
        .isEqualTo("sluice-demo: orders could not start: deploy failed");
  }

  private static String defaultTimeout(ServiceKind kind) {
    Flags none = Flags.parse(List.of(), name -> null);
    return Flags.format(ServiceSettings.read(kind, none).downstreamTimeout());
  }
}
