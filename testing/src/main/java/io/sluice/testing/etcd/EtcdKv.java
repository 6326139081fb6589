package io.sluice.testing.etcd;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key-value calls a test makes by hand on an {@link EtcdServer} ({@link #put}, {@link #delete},
 * {@link #revision()}), anonymously or as one etcd user.
 *
 * <p>Exists because once a test has turned etcd's authentication on ({@link
 * EtcdServer#enableAuth()}), etcd refuses every anonymous request ("user name is empty"): the
 * server's own {@link EtcdServer#put} and the like stop working, and a test could no longer write a
 * rule without an etcd client library of its own. {@link EtcdServer#asUser} gives it these calls as
 * a user: the first call logs in (etcd's {@code /v3/auth/authenticate}) and the token is sent with
 * every call after. etcd forgets its tokens when it restarts and after a while unused (its {@code
 * --auth-token-ttl}); a call refused for its token (401) logs in again and is made once more, so a
 * view outlives a {@link EtcdServer#stop()} and {@link EtcdServer#start()}.
 *
 * <p>The calls go to the server's plain listener, like all of {@link EtcdServer}'s own, through
 * etcd's JSON gateway: the harness needs no etcd client library.
 */
public final class EtcdKv {

  private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*\"?(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");

  private final EtcdServer server;
  private final String user;
  private final String password;
  private volatile String token;

  private EtcdKv(EtcdServer server, String user, String password) {
    this.server = server;
    this.user = user;
    this.password = password;
  }

  /** Calls without credentials: what {@link EtcdServer}'s own methods make. */
  static EtcdKv anonymous(EtcdServer server) {
    return new EtcdKv(server, null, null);
  }

  /** Calls as {@code user}, who logs in with {@code password} at the first call. */
  static EtcdKv as(EtcdServer server, String user, String password) {
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("an etcd user needs a name, got '" + user + "'");
    }
    if (password == null) {
      throw new IllegalArgumentException("etcd user " + user + " needs a password, got null");
    }
    return new EtcdKv(server, user, password);
  }

  /**
   * Puts a raw value, bypassing every Sluice component: for tests that write by hand. Answers the
   * store's revision after the put, or {@code -1} when etcd's answer names none.
   */
  public long put(String key, String value) {
    String body =
        post("/v3/kv/put", "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}");
    Matcher m = REVISION.matcher(body);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** Deletes a key, bypassing every Sluice component. */
  public void delete(String key) {
    post("/v3/kv/deleterange", "{\"key\":\"" + base64(key) + "\"}");
  }

  /**
   * The store's current revision, from a read of a key outside every prefix a test uses: as a user,
   * one that may read it (etcd's {@code root}).
   */
  public long revision() {
    String body = post("/v3/kv/range", "{\"key\":\"" + base64("\0") + "\"}");
    Matcher m = REVISION.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("no revision in etcd answer: " + body);
    }
    return Long.parseLong(m.group(1));
  }

  /** POSTs {@code json} to {@code path}, as this view's user; answers the body of a 200. */
  String post(String path, String json) {
    if (user == null) {
      return server.answer(path, server.exchange(path, json, null));
    }
    String current = token;
    if (current == null) {
      current = logIn();
    }
    HttpResponse<String> response = server.exchange(path, json, current);
    if (response.statusCode() == 401) {
      // etcd restarted or the token expired: it knows the user still
      response = server.exchange(path, json, logIn());
    }
    return server.answer(path, response);
  }

  private String logIn() {
    String body =
        server.answer(
            "/v3/auth/authenticate",
            server.exchange(
                "/v3/auth/authenticate",
                "{\"name\":"
                    + EtcdServer.quoted(user)
                    + ",\"password\":"
                    + EtcdServer.quoted(password)
                    + "}",
                null));
    Matcher m = TOKEN.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException(
          "etcd gave no token to "
              + user
              + " (is its authentication on? see EtcdServer.enableAuth): "
              + body);
    }
    String fresh = m.group(1);
    token = fresh;
    return fresh;
  }

  static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
