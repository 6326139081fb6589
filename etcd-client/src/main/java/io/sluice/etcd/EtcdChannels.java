package io.sluice.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Cuts gRPC's reconnect backoff short for the channel inside a jetcd {@link Client}, for code that
 * retries against etcd at its own pace: the agent's rule source and status reporter, the control
 * plane's etcd calls, mirrors and health check.
 *
 * <p>While etcd is away, gRPC waits longer and longer between connection attempts (from 1 s, 1.6
 * times longer each time, up to 2 minutes) and jetcd never resets that wait. Sluice's clients fail
 * fast while the channel is not connected ({@code waitForReady(false)}), so without help an agent
 * stays blind for up to two minutes after a long outage, however often it retries. {@link
 * ManagedChannel#resetConnectBackoff()} makes a channel that is waiting out its backoff try again
 * at once, so a caller that invokes it before each of its retries reconnects at its own pace.
 *
 * <p>jetcd 0.8 offers no way to reach its channel, nor a backoff setting, nor a hook on the channel
 * builder (a gRPC service config governs call retries, not reconnects). The channel is therefore
 * found by reflection: a field of the client, or of an object the client holds (jetcd's connection
 * manager), whose type is a {@link ManagedChannel}. Fields are matched by type, never by name, so
 * the same code works in the javaagent, where jetcd and gRPC are relocated along with this class's
 * reference to {@code ManagedChannel}. The way to the channel is found once per client class and
 * cached; the channel itself is read on each call, because jetcd creates it on first use. When no
 * way is found (another jetcd layout, another {@code Client} implementation, a module that does not
 * open its fields) one line is logged and reconnects follow gRPC's own backoff, as before.
 *
 * <p>In a module of its own, which needs nothing but jetcd, because the agent ({@code sluice-sdk})
 * and the control plane both retry against etcd and the control plane must not carry the agent
 * runtime.
 */
public final class EtcdChannels {

  private static final Logger logger = Logger.getLogger(EtcdChannels.class.getName());

  /** The way from a client of each class to its channel, found on first use. */
  private static final ClassValue<ChannelPath> PATHS =
      new ClassValue<>() {
        @Override
        protected ChannelPath computeValue(Class<?> clientType) {
          return ChannelPath.find(clientType);
        }
      };

  private EtcdChannels() {}

  /**
   * Has {@code client} try to reach etcd again now if it is waiting out gRPC's reconnect backoff; a
   * connected or connecting client is left as it is. Call it right before each retry after an etcd
   * failure. Cheap, and never throws.
   */
  public static void reconnectNow(Client client) {
    try {
      ManagedChannel channel = channel(client);
      if (channel != null) {
        channel.resetConnectBackoff();
      }
    } catch (RuntimeException | LinkageError e) {
      logger.log(Level.FINE, "could not reset the reconnect backoff of the etcd channel", e);
    }
  }

  /**
   * The channel of {@code client}; {@code null} before jetcd created it or when it is not found.
   * Public for a caller that needs a call of its own on the client's connection, with call options
   * jetcd does not offer: the control plane asks why etcd never answered with one call that fails
   * fast ({@code waitForReady(false)}), as its own calls wait for a connection until their deadline
   * and then say nothing of why.
   */
  public static ManagedChannel channel(Client client) {
    return PATHS.get(client.getClass()).channel(client);
  }

  /** Fields to follow from a client to its channel; none when there is no known way. */
  private record ChannelPath(List<Field> fields) {

    static ChannelPath find(Class<?> clientType) {
      String problem;
      try {
        List<List<Field>> found = candidates(clientType);
        if (found.size() == 1) {
          found.get(0).forEach(field -> field.setAccessible(true));
          return new ChannelPath(found.get(0));
        }
        problem =
            found.isEmpty()
                ? "no field holds a ManagedChannel"
                : found.size() + " fields hold a ManagedChannel";
      } catch (RuntimeException | LinkageError e) { // InaccessibleObjectException, a missing class
        problem = e.toString();
      }
      logger.info(
          "cannot reach the gRPC channel inside "
              + clientType.getName()
              + " ("
              + problem
              + "); after an etcd outage it reconnects on gRPC's own backoff, up to 2 minutes"
              + " apart, not at Sluice's retries");
      return new ChannelPath(List.of());
    }

    /** Ways to a channel: a field of the client, or a field of what one of its fields holds. */
    private static List<List<Field>> candidates(Class<?> clientType) {
      List<List<Field>> found = new ArrayList<>();
      for (Field outer : instanceFields(clientType)) {
        if (ManagedChannel.class.isAssignableFrom(outer.getType())) {
          found.add(List.of(outer));
          continue;
        }
        for (Field inner : instanceFields(outer.getType())) {
          if (ManagedChannel.class.isAssignableFrom(inner.getType())) {
            found.add(List.of(outer, inner));
          }
        }
      }
      return found;
    }

    private static List<Field> instanceFields(Class<?> type) {
      if (type.isPrimitive() || type.isArray()) {
        return List.of();
      }
      List<Field> fields = new ArrayList<>();
      for (Field field : type.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers())) {
          fields.add(field);
        }
      }
      return fields;
    }

    ManagedChannel channel(Object client) {
      if (fields.isEmpty()) {
        return null;
      }
      Object value = client;
      try {
        for (Field field : fields) {
          value = field.get(value);
          if (value == null) {
            return null;
          }
        }
      } catch (IllegalAccessException e) {
        return null; // made accessible when found: cannot happen
      }
      return (ManagedChannel) value;
    }
  }
}
