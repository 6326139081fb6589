package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.demo.mesh.ServiceKind;
import io.sluice.demo.mesh.ServiceSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

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

  private static String defaultTimeout(ServiceKind kind) {
    Flags none = Flags.parse(List.of(), name -> null);
    return Flags.format(ServiceSettings.read(kind, none).downstreamTimeout());
  }
}
