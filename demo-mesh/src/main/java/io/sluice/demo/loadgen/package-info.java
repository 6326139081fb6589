/**
 * A bounded load generator for the gateway: fixed rate, fixed duration, capped requests in flight,
 * one summary line per second ({@link io.sluice.demo.loadgen.LoadGenerator}) and a final table
 * ({@link io.sluice.demo.loadgen.LoadReport}).
 */
package io.sluice.demo.loadgen;
