package io.sluice.demo.loadgen;

/** How the gateway answered one checkout, as the load generator counts it. */
enum Outcome {
  /** 201: the order is confirmed. */
  CONFIRMED,
  /** 202: accepted, payment pending (payments failing or its breaker open). */
  PENDING,
  /** 409: out of stock, a business answer rather than a failure. */
  REJECTED,
  /** Anything else: another status, a timeout or a connection failure. */
  ERROR;

  static Outcome ofStatus(int status) {
    return switch (status) {
      case 201 -> CONFIRMED;
      case 202 -> PENDING;
      case 409 -> REJECTED;
      default -> ERROR;
    };
  }
}
