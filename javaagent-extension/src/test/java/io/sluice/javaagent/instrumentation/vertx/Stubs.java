package io.sluice.javaagent.instrumentation.vertx;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Stand-ins for the Vert.x interfaces the helpers read (a request, its connection, a pool's lease):
 * each answers the methods named in its map, has identity equality (the agent's fields and their
 * weak-map fallback key on it), and answers {@code null} to everything else.
 */
final class Stubs {

  private Stubs() {}

  /** A stub of {@code types} (the first is its class), named {@code name}. */
  static <T> T stub(String name, Map<String, Object> answers, Class<T> type, Class<?>... more) {
    Class<?>[] types = new Class<?>[more.length + 1];
    types[0] = type;
    System.arraycopy(more, 0, types, 1, more.length);
    return type.cast(
        Proxy.newProxyInstance(
            Stubs.class.getClassLoader(),
            types,
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> name;
                  default -> answers.get(method.getName());
                }));
  }
}
