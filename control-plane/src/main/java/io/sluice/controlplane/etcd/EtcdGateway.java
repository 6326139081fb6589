package io.sluice.controlplane.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.sluice.rules.wire.EtcdKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one door to etcd: the key layout, and every call with a deadline. A call that fails or misses
 * its deadline becomes an {@link EtcdUnavailableException}, which the API answers with 503.
 */
public final class EtcdGateway {

  private final Client client;
  private final EtcdKeys keys;
  private final Duration timeout;

  /** Wraps a client; the client is owned (and closed) by whoever made it. */
  public EtcdGateway(Client client, EtcdKeys keys, Duration timeout) {
    this.client = client;
    this.keys = keys;
    this.timeout = timeout;
  }

  /** The key layout under the configured namespace. */
  public EtcdKeys keys() {
    return keys;
  }

  /** The deadline of every call. */
  public Duration timeout() {
    return timeout;
  }

  /** The key-value client, for transactions; pass the futures to {@link #await}. */
  public KV kv() {
    return client.getKVClient();
  }

  /** The watch client. */
  public Watch watch() {
    return client.getWatchClient();
  }

  /** A new transaction. */
  public Txn txn() {
    return client.getKVClient().txn();
  }

  /** Reads one key (or a range, with options) within the deadline. */
  public GetResponse get(String key, GetOption option) {
    return await(client.getKVClient().get(bytes(key), option), "read " + key);
  }

  /** Reads every key under a prefix within the deadline. */
  public GetResponse getPrefix(String prefix) {
    return get(prefix, GetOption.builder().isPrefix(true).build());
  }

  /** Waits for an etcd call within the deadline. */
  public <T> T await(CompletableFuture<T> call, String what) {
    try {
      return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new EtcdUnavailableException(
          "etcd did not answer within " + timeout.toMillis() + " ms (" + what + ")", e, true);
    } catch (ExecutionException e) {
      throw new EtcdUnavailableException(
          "etcd refused the call (" + what + ")", e.getCause(), false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException(
          "interrupted while waiting for etcd (" + what + ")", e, true);
    }
  }

  /** UTF-8 bytes of a key or value. */
  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** A key or value as UTF-8 text. */
  public static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
