package io.sluice.sdk.breaker;

/** How a guarded call ended, as counted by {@code sluice.breaker.calls}. */
enum Outcome {
  SUCCESS("success"),
  SLOW("slow"),
  FAILURE("failure"),
  REJECTED("rejected"),
  SHADOW_REJECTED("shadow_rejected");

  final String value;

  Outcome(String value) {
    this.value = value;
  }
}
