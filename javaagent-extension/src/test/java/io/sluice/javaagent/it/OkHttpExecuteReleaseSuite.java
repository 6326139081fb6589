package io.sluice.javaagent.it;

/**
 * The client suite with another {@link OkHttpRelease} through {@code Call#execute} (the {@code
 * okhttp} style), where the app's own request body and the writes to the target can be told apart:
 * the {@link OkHttpExecuteScenarios} run on the release.
 */
abstract class OkHttpExecuteReleaseSuite extends OkHttpReleaseSuite
    implements OkHttpExecuteScenarios {

  @Override
  String client() {
    return "okhttp";
  }

  @Override
  public AbstractHttpClientIT suite() {
    return this;
  }
}
