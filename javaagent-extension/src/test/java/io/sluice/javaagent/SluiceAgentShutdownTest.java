package io.sluice.javaagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.sluice.sdk.ActiveRules;
import io.sluice.sdk.breaker.CallGuard;
import io.sluice.sdk.config.SluiceConfig;
import io.sluice.testing.logging.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's shutdown hook closes what it started (the status reporter revokes its lease), so it
 * must be registered before anything starts: once the JVM shuts down, registering throws.
 */
class SluiceAgentShutdownTest {

  @TempDir Path dir;

  private Map<String, String> properties;
  private final List<Thread> hooks = new ArrayList<>();

  @BeforeEach
  void rulesFile() throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"),
            "{\"schemaVersion\":1,\"service\":\"orders\",\"sampling\":{\"defaultRatio\":0.5}}");
    properties =
        Map.of(
            "otel.service.name", "orders",
            "sluice.rules.file", rules.toString(),
            "sluice.state.dir", dir.resolve("state").toString());
  }

  @AfterEach
  void runHooks() {
    hooks.forEach(Thread::run); // closes whatever a test started
  }

  @Test
  void registersTheHookBeforeAnythingStarts() {
    AtomicReference<SluiceAgent> agent = new AtomicReference<>();
    List<ActiveRules.Source> inForceAtRegistration = new ArrayList<>();
    agent.set(
        configured(
            hook -> {
              inForceAtRegistration.add(agent.get().rules().current().source());
              hooks.add(hook);
            }));

    agent.get().start(config(), MeterProvider.noop());

    assertThat(inForceAtRegistration).containsExactly(ActiveRules.Source.DEFAULTS);
    assertThat(agent.get().rules().current().source()).isEqualTo(ActiveRules.Source.FILE);
  }

  @Test
  void startsNothingWhenTheJvmIsAlreadyShuttingDown() {
    // was: everything started, then addShutdownHook threw, a warning said the rule source could
    // not start, and nothing would ever close what had started
    SluiceAgent agent =
        configured(
            hook -> {
              throw new IllegalStateException("Shutdown in progress");
            });

    assertThatCode(() -> agent.start(config(), MeterProvider.noop())).doesNotThrowAnyException();
    assertThat(agent.rules().current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
    assertThat(agent.guard()).isSameAs(CallGuard.NONE);
  }

  @Test
  void startsNothingOnceTheHookHasRun() {
    // shutdown beginning just after the hook was registered: the hook closes what exists, and
    // start adds nothing it would not close
    SluiceAgent agent = started(Thread::run);

    assertThat(agent.rules().current().source()).isEqualTo(ActiveRules.Source.DEFAULTS);
    assertThat(agent.guard()).isSameAs(CallGuard.NONE);
  }

  /**
   * An app whose {@code main} returns while Sluice still starts (in life: loading classes, reading
   * the rules file; here hanging in the meter provider) exits without waiting for that start: the
   * hook returns at once, quietly, and what the start finishes later is closed by the start itself.
   * Before, the hook waited up to 3 s for the start (1.4 to 2.6 s added to such an app's exit, on
   * two loaded cores) and then logged a WARNING.
   */
  @Test
  void theHookLeavesAStartInProgressToCloseWhatItMakes() throws Exception {
    CountDownLatch hanging = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    MeterProvider stuck =
        name -> {
          hanging.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return MeterProvider.noop().meterBuilder(name);
        };
    SluiceAgent agent = configured(hooks::add);
    Thread starting = new Thread(() -> agent.start(config(), stuck), "stuck-start");
    starting.setDaemon(true);
    starting.start();
    assertThat(hanging.await(10, TimeUnit.SECONDS)).isTrue();

    try (LogCapture log = LogCapture.of(SluiceAgent.class)) {
      hooks.remove(0).run(); // on this thread: it returns while the start still hangs
      assertThat(starting.isAlive()).isTrue();
      assertThat(log.records()).as("an exit during the start is no news").isEmpty();
    }

    release.countDown();
    await("the start ends").atMost(Duration.ofSeconds(10)).until(() -> !starting.isAlive());
    assertThat(agent.guard())
        .as("what the start made after the hook ran is closed, not installed")
        .isSameAs(CallGuard.NONE);
  }

  private SluiceAgent started(Consumer<Thread> shutdownHooks) {
    SluiceAgent agent = configured(shutdownHooks);
    agent.start(config(), MeterProvider.noop());
    return agent;
  }

  private SluiceAgent configured(Consumer<Thread> shutdownHooks) {
    SluiceAgent agent = new SluiceAgent(shutdownHooks);
    agent.configure(DefaultConfigProperties.createFromMap(properties));
    return agent;
  }

  private SluiceConfig config() {
    return SluiceConfig.fromProperties(properties::get);
  }
}
