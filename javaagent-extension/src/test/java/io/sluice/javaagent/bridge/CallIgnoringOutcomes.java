package io.sluice.javaagent.bridge;

import java.util.Map;

/**
 * A guarded call whose outcome methods do nothing, for tests about something else: what a rejected
 * call answers, or what a permitted one is told besides its outcome.
 */
public class CallIgnoringOutcomes extends SluiceCall {

  /** A permitted call. */
  public CallIgnoringOutcomes() {}

  /** A rejected call; see {@link SluiceCall#SluiceCall(String, boolean, int, Map, String)}. */
  public CallIgnoringOutcomes(
      String message, boolean respond, int status, Map<String, String> headers, String body) {
    super(message, respond, status, headers, body);
  }

  @Override
  public void onResponse(int status) {}

  @Override
  public void onError(Throwable error) {}

  @Override
  public void abandon() {}

  @Override
  public void accept(Object response, Throwable error) {}
}
