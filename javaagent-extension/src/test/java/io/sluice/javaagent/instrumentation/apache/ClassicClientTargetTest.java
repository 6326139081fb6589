package io.sluice.javaagent.instrumentation.apache;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.javaagent.bridge.SluiceBridge;
import io.sluice.javaagent.bridge.SluiceCall;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The target {@link ClassicClientInstrumentation}'s advice guards a call by, the advice's enter
 * method called as the inlined code would be: a request with no target anywhere passes unguarded
 * without the advice throwing (which the agent would suppress, leaving the call unguarded only by
 * accident).
 */
class ClassicClientTargetTest {

  private final List<String> asked = new ArrayList<>();
  private SluiceBridge.CallStarter previous;

  @BeforeEach
  void recordCalls() {
    previous = SluiceBridge.starter;
    SluiceBridge.starter =
        (host, port, method, path) -> {
          asked.add(method + " " + host + ":" + port + path);
          return null;
        };
  }

  @AfterEach
  void restore() {
    SluiceBridge.starter = previous;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http://payments:9090/pay/{id}", "/pay/{id}", "/pay/1"})
  void aRequestWithNoTargetAnywherePassesUnguardedWithoutThrowing(String uri) throws Exception {
    Object rejection =
        ClassicClientInstrumentation.DoExecuteAdvice.enter(
            null, new BasicClassicHttpRequest("GET", uri), (SluiceCall) null, null, false);

    assertThat(rejection).isNull();
    assertThat(asked).as("breaker calls started").isEmpty();
  }

  @Test
  void aRequestWithNoTargetGivenApartIsGuardedByItsUri() throws Exception {
    ClassicClientInstrumentation.DoExecuteAdvice.enter(
        null,
        new BasicClassicHttpRequest("POST", URI.create("http://payments:9090/pay/1?x=2")),
        null,
        null,
        false);

    assertThat(asked).containsExactly("POST payments:9090/pay/1");
  }

  @Test
  void aTargetGivenApartIsTheOneGuarded() throws Exception {
    ClassicClientInstrumentation.DoExecuteAdvice.enter(
        new HttpHost("http", "orders", 8080),
        new BasicClassicHttpRequest("GET", "/pay/{id}"),
        null,
        null,
        false);

    assertThat(asked).containsExactly("GET orders:8080/pay/{id}");
  }
}
