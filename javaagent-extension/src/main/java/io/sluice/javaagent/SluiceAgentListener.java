package io.sluice.javaagent;

import io.opentelemetry.javaagent.extension.AgentListener;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts Sluice's live parts (rule source, status reporter) once the agent is up. Runs on the
 * agent's premain thread, so the work itself goes to a daemon thread: the app never waits for etcd.
 * The agent reaches it through {@link io.sluice.javaagent.entry.AgentListenerEntry}.
 */
public final class SluiceAgentListener implements AgentListener {

  private static final Logger logger = Logger.getLogger(SluiceAgentListener.class.getName());

  @Override
  public void afterAgent(AutoConfiguredOpenTelemetrySdk sdk) {
    try {
      SluiceAgent.instance().startInBackground(sdk.getOpenTelemetrySdk().getMeterProvider());
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.WARNING, "Sluice could not start; the app runs on default rules", e);
    }
  }
}
