package io.sluice.controlplane;

/**
 * Size limits that several features must agree on: the web layer caps request bodies at {@link
 * #MAX_BODY_BYTES}, and the rule store keeps no document larger than that, so whatever {@code GET
 * .../rules} answers can be sent back with {@code PUT}.
 */
public final class ApiLimits {

  /** The largest request body the API reads, and the largest document it stores: 256 KiB. */
  public static final int MAX_BODY_BYTES = 256 * 1024;

  private ApiLimits() {}
}
