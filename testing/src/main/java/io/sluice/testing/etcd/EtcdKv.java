package io.sluice.testing.etcd;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls a test makes by hand on an {@link EtcdServer}, anonymously or as one etcd user: keys
 * ({@link #put}, {@link #get}, {@link #delete}, {@link #revision()}, {@link #compact()}) and users
 * and roles ({@link #addUser}, {@link #addPrefixRole}, {@link #changePassword} and the like).
 *
 * <p>Exists because once a test has turned etcd's authentication on ({@link
 * EtcdServer#enableAuth()}), etcd refuses every anonymous request ("user name is empty"): the
 * server's own {@link EtcdServer#put} and the like stop working, and a test could no longer write a
 * rule, add a user or change a password without an etcd client library of its own. {@link
 * EtcdServer#asUser} gives it these calls as a user: the first call logs in (etcd's {@code
 * /v3/auth/authenticate}) and the token is sent with every call after. etcd forgets its tokens when
 * it restarts and after a while unused (its {@code --auth-token-ttl}); a call refused for its token
 * (401) logs in again and is made once more, so a view outlives a {@link EtcdServer#stop()} and
 * {@link EtcdServer#start()}. What a user may do is etcd's to decide: keys under the user's roles'
 * prefixes, users and roles only as {@code root}.
 *
 * <p>The calls go to the server's plain listener, like all of {@link EtcdServer}'s own, through
 * etcd's JSON gateway: the harness needs no etcd client library.
 */
public final class EtcdKv {

  private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*\"?(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]*)\"");

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

  /** The value of {@code key}, or empty when there is none: for tests that read by hand. */
  public Optional<String> get(String key) {
    String body = post("/v3/kv/range", "{\"key\":\"" + base64(key) + "\"}");
    Matcher m = VALUE.matcher(body);
    return m.find()
        ? Optional.of(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8))
        : Optional.empty();
  }

  /** Deletes a key, bypassing every Sluice component. */
  public void delete(String key) {
    post("/v3/kv/deleterange", "{\"key\":\"" + base64(key) + "\"}");
  }

  /**
   * The store's current revision, from etcd's status ({@code /v3/maintenance/status}), which etcd
   * 3.4 gives any user, also one whose roles grant a single prefix: a read of a key would need a
   * role that grants that key.
   */
  public long revision() {
    String body = post("/v3/maintenance/status", "{}");
    Matcher m = REVISION.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("no revision in etcd answer: " + body);
    }
    return Long.parseLong(m.group(1));
  }

  /** Compacts the history up to the current revision and returns that revision. */
  public long compact() {
    long revision = revision();
    post("/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
    return revision;
  }

  /**
   * Adds a user with {@code password} and {@code roles} (the role {@code root} is etcd's own), for
   * tests of etcd's authentication; once it is on, only as {@code root}.
   */
  public void addUser(String name, String password, String... roles) {
    post(
        "/v3/auth/user/add",
        "{\"name\":" + quoted(name) + ",\"password\":" + quoted(password) + "}");
    for (String role : roles) {
      post("/v3/auth/user/grant", "{\"user\":" + quoted(name) + ",\"role\":" + quoted(role) + "}");
    }
  }

  /**
   * Gives user {@code name} a new {@code password}: what an operator does to fix credentials etcd
   * refuses. etcd checks the new one from the next login on.
   */
  public void changePassword(String name, String password) {
    post(
        "/v3/auth/user/changepw",
        "{\"name\":" + quoted(name) + ",\"password\":" + quoted(password) + "}");
  }

  /** Adds a role that may read and write every key under each of {@code prefixes}. */
  public void addPrefixRole(String role, String... prefixes) {
    addRole(role, "READWRITE", prefixes);
  }

  /**
   * Adds a role that may only read (get and watch) the keys under each of {@code prefixes}: what an
   * agent needs of the rule documents, which only the control plane writes.
   */
  public void addReadOnlyPrefixRole(String role, String... prefixes) {
    addRole(role, "READ", prefixes);
  }

  /**
   * Adds a role that may only read (get and watch) each of {@code keys}, exactly: the two rule
   * documents an agent reads, its service's and {@code _default}, and no other service's.
   */
  public void addReadOnlyKeyRole(String role, String... keys) {
    post("/v3/auth/role/add", "{\"name\":" + quoted(role) + "}");
    for (String key : keys) {
      grant(role, "READ", key, null);
    }
  }

  private void addRole(String role, String permType, String[] prefixes) {
    post("/v3/auth/role/add", "{\"name\":" + quoted(role) + "}");
    for (String prefix : prefixes) {
      String end =
          prefix.substring(0, prefix.length() - 1)
              + (char) (prefix.charAt(prefix.length() - 1) + 1);
      grant(role, permType, prefix, end);
    }
  }

  /** Grants {@code role} the keys from {@code key} up to {@code end}, or {@code key} alone. */
  private void grant(String role, String permType, String key, String end) {
    post(
        "/v3/auth/role/grant",
        "{\"name\":"
            + quoted(role)
            + ",\"perm\":{\"permType\":\""
            + permType
            + "\",\"key\":\""
            + base64(key)
            + (end == null ? "" : "\",\"range_end\":\"" + base64(end))
            + "\"}}");
  }

  /**
   * Whether etcd now refuses the token this view last logged in with (expired, see {@link
   * EtcdServer#withExpiringTokens}, or forgotten in a restart), asked without logging in again: a
   * token issued at a known moment tells when those issued before it have expired.
   *
   * @throws IllegalStateException for the anonymous view, or before this view's first call
   */
  public boolean tokenRefused() {
    String current = token;
    if (user == null || current == null) {
      throw new IllegalStateException("this view holds no token: make a call as a user first");
    }
    // a read, whose token etcd checks before the user's permissions (its status checks none)
    return server.exchange("/v3/kv/range", "{\"key\":\"" + base64("/") + "\"}", current).status()
        == 401;
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
    EtcdGatewayHttp.Answer response = server.exchange(path, json, current);
    if (response.status() == 401) {
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
                "{\"name\":" + quoted(user) + ",\"password\":" + quoted(password) + "}",
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

  static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
