package io.sluice.controlplane.history;

import tools.jackson.databind.json.JsonMapper;

/**
 * {@link HistoryCodec}s for tests of other packages, whose constructor is package-private: a rule
 * store built by a test writes its history entries with one.
 */
public final class TestHistoryCodecs {

  private TestHistoryCodecs() {}

  /** A codec on a plain JSON mapper, as the application's writes entries. */
  public static HistoryCodec plain() {
    return new HistoryCodec(JsonMapper.builder().build());
  }
}
