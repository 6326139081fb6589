package io.sluice.controlplane.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The role an API handler needs. Handlers without it need {@link Role#READER} (or nothing when
 * reads are open); the token check reads it from the handler method. Handlers that change rules,
 * and only those, need {@link Role#WRITER} or more: the problem advice relies on it to say whether
 * a failed call changed anything.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RequiresRole {
  /** The least role allowed. */
  Role value();
}
