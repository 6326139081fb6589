package io.sluice.sdk.breaker;

import io.opentelemetry.api.metrics.MeterProvider;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A meter provider whose instruments throw when a value is added (a broken metrics SDK or view):
 * the registry adds to a counter when it notices a breaker's transition, so a test can have
 * something fail at that exact point of a call, deterministically.
 */
final class ThrowingMeters {

  private ThrowingMeters() {}

  /** Instruments whose {@code add} throws, counting each throw in {@code thrown}. */
  static MeterProvider throwingOnAdd(AtomicInteger thrown) {
    return proxy(MeterProvider.class, thrown);
  }

  private static <T> T proxy(Class<T> type, AtomicInteger thrown) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (self, method, args) -> {
              switch (method.getName()) {
                case "add":
                  thrown.incrementAndGet();
                  throw new IllegalStateException("a broken meter");
                case "equals":
                  return self == args[0];
                case "hashCode":
                  return System.identityHashCode(self);
                case "toString":
                  return "a broken meter";
                default:
                  Class<?> returned = method.getReturnType();
                  return returned.isInterface() ? proxy(returned, thrown) : null;
              }
            }));
  }
}
