package io.sluice.controlplane.security;

import java.util.Locale;

/** What a token may do. Each role includes the ones before it. */
public enum Role {
  /** Read rules, history, agents, events; run evaluate. */
  READER,
  /** Also create, replace, delete and roll back rules. */
  WRITER,
  /** Everything; reserved for administrative operations. */
  ADMIN;

  /** Whether this role may do what {@code required} may. */
  public boolean includes(Role required) {
    return ordinal() >= required.ordinal();
  }

  /** The role's configuration spelling. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
