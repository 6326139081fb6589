/**
 * The rule API: read, create or replace (validated with {@code sampler-rules}, the agents' own
 * code), delete, roll back, and evaluate (dry run). {@link io.sluice.controlplane.rules.RuleStore}
 * writes every change and its history entry in one etcd transaction; its design note explains how.
 */
package io.sluice.controlplane.rules;
