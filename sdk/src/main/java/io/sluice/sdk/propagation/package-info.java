/**
 * Trace context propagation: {@link io.sluice.sdk.propagation.SluicePropagators} builds the default
 * W3C + baggage + B3 set, with W3C winning over B3 (and, through {@link
 * io.sluice.sdk.propagation.SluicePropagators#withW3cPrecedenceOver}, over any other trace format)
 * when both are present and disagree.
 */
package io.sluice.sdk.propagation;
