package io.sluice.javaagent.entry;

import io.opentelemetry.javaagent.extension.AgentListener;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.logging.Logger;

/**
 * The agent's listener SPI: hands over to {@code io.sluice.javaagent.SluiceAgentListener} in the
 * {@link RuntimeLoader}, which starts Sluice's live parts once the agent is up.
 */
public final class AgentListenerEntry implements AgentListener {

  private static final Logger logger = Logger.getLogger(AgentListenerEntry.class.getName());

  static final String RUNTIME_CLASS = "io.sluice.javaagent.SluiceAgentListener";

  @Override
  public void afterAgent(AutoConfiguredOpenTelemetrySdk sdk) {
    AgentListener runtime;
    try {
      runtime = RuntimeLoader.instance().create(RUNTIME_CLASS, AgentListener.class);
    } catch (RuntimeException | LinkageError e) {
      RuntimeLoadWarning.SHARED.warn(
          logger, "no rules from etcd or a file apply and no status is reported", e);
      return;
    }
    runtime.afterAgent(sdk); // guards itself
  }
}
