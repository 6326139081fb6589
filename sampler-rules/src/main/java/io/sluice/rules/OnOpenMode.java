package io.sluice.rules;

/** How a call rejected by an open breaker fails. */
public enum OnOpenMode {
  /** The call fails fast with an I/O error whose message names the breaker. */
  ERROR,
  /** The call answers with a synthetic response. */
  RESPONSE
}
