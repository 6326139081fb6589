package io.sluice.etcd;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checked form of {@code sluice.etcd.endpoints}: the endpoints as a client dials them, or every
 * reason they cannot be dialled.
 *
 * <p>Exists so the agent ({@code SluiceConfig} in {@code sluice-sdk}) and the control plane ({@code
 * EtcdSettings}) accept and refuse the same endpoints in the same words: both read the same keys
 * ({@code sluice.etcd.*}), and an operator copies the value from one to the other. Each caller adds
 * the problems to its own list of configuration problems and refuses to start with all of them.
 *
 * <p>An endpoint is {@code scheme://host:port}: {@code http} or {@code https} in any case (kept in
 * lower case), a host name that may have {@code _} (see {@link EtcdAddress}), a port from 1 to
 * 65535, an optional trailing {@code /}; credentials, a path, a query and a fragment are refused
 * rather than ignored. All endpoints use one scheme, since one client speaks either TLS or plain
 * text to all of them. Every message starts with {@code sluice.etcd.endpoints=} (or the setting the
 * caller names) and the bad value, its password hidden ({@link EtcdAddress#withoutPasswords}).
 *
 * <pre>{@code
 * EtcdEndpoints checked = EtcdEndpoints.check(List.of("http://etcd_1:2379"), TlsSettings.NONE);
 * problems.addAll(checked.problems());
 * }</pre>
 *
 * @param endpoints the endpoints that passed every check, as {@code scheme://host:port}
 * @param problems one message per problem, in the order of the endpoints; empty when all are good
 */
public record EtcdEndpoints(List<URI> endpoints, List<String> problems) {

  /** The endpoints setting, the same key on both sides. */
  public static final String ENDPOINTS_KEY = "sluice.etcd.endpoints";

  /** The setting naming the certificate's host when the endpoint's cannot be checked by TLS. */
  public static final String TLS_AUTHORITY_KEY = "sluice.etcd.tls.authority";

  private static final String USER_KEY = "sluice.etcd.user";
  private static final String PASSWORD_KEY = "sluice.etcd.password";
  private static final String TLS_KEYS = "sluice.etcd.tls.*";

  /**
   * http or https followed by a mistyped {@code ://} ({@code http:/etcd:2379}, {@code
   * https//etcd:2379}) and the rest; a host named http ({@code http:2379}) is no such thing.
   */
  private static final Pattern MISSPELLED_SCHEME =
      Pattern.compile("(?i)(https?)(?::/|//?)([^/].*)", Pattern.DOTALL);

  public EtcdEndpoints {
    endpoints = List.copyOf(endpoints);
    problems = List.copyOf(problems);
  }

  /**
   * How the messages name the settings they refer to: the endpoints themselves, and those their
   * advice tells the user to set. The keys by default ({@link #KEYS}); a caller whose user set the
   * values elsewhere names them there, as an agent configured in code names the builder methods
   * ({@code builder().addEtcdEndpoint(…)=ftp://e:1: …}, {@code set builder().etcdCredentials(user,
   * password)}), since a key the user never wrote would be looked for in vain.
   *
   * @param endpoints names the endpoints, {@code sluice.etcd.endpoints}
   * @param credentials names the user and password, {@code sluice.etcd.user and
   *     sluice.etcd.password}
   * @param tlsSettings names the TLS settings as a whole, {@code sluice.etcd.tls.*}
   * @param tlsAuthority names the authority setting, {@code sluice.etcd.tls.authority}
   */
  public record SettingNames(
      String endpoints, String credentials, String tlsSettings, String tlsAuthority) {

    /** Every setting named by its key. */
    public static final SettingNames KEYS =
        new SettingNames(
            ENDPOINTS_KEY, USER_KEY + " and " + PASSWORD_KEY, TLS_KEYS, TLS_AUTHORITY_KEY);

    public SettingNames {
      Objects.requireNonNull(endpoints, "endpoints");
      Objects.requireNonNull(credentials, "credentials");
      Objects.requireNonNull(tlsSettings, "tlsSettings");
      Objects.requireNonNull(tlsAuthority, "tlsAuthority");
    }

    /** These names, with the endpoints named {@code setting}. */
    public SettingNames withEndpoints(String setting) {
      return new SettingNames(setting, credentials, tlsSettings, tlsAuthority);
    }
  }

  /** Which TLS settings ({@code sluice.etcd.tls.*}) accompany the endpoints. */
  public enum TlsSettings {
    /** None: TLS follows the endpoints' scheme. */
    NONE,
    /** Some, but no {@code sluice.etcd.tls.authority}: the endpoints must be {@code https://}. */
    GIVEN,
    /**
     * Some, with {@code sluice.etcd.tls.authority}: the endpoints must be {@code https://}, and
     * their hosts need not pass the JDK's TLS host name check, since the certificate is checked
     * against the authority instead.
     */
    GIVEN_WITH_AUTHORITY
  }

  /**
   * Checks {@code endpoints} (as given; blank entries are skipped, entries are trimmed) together
   * with the TLS settings that accompany them.
   */
  public static EtcdEndpoints check(Collection<String> endpoints, TlsSettings tls) {
    return check(endpoints, tls, ENDPOINTS_KEY);
  }

  /**
   * As {@link #check(Collection, TlsSettings)}, with every message naming the endpoints by {@code
   * setting} instead of {@code sluice.etcd.endpoints}: where the user set them, such as {@code
   * environment variable SLUICE_ETCD_ENDPOINTS}.
   */
  public static EtcdEndpoints check(Collection<String> endpoints, TlsSettings tls, String setting) {
    return check(endpoints, tls, SettingNames.KEYS.withEndpoints(setting));
  }

  /**
   * As {@link #check(Collection, TlsSettings)}, with every message naming the settings as {@code
   * names} says: the endpoints, and those its advice tells the user to set.
   */
  public static EtcdEndpoints check(
      Collection<String> endpoints, TlsSettings tls, SettingNames names) {
    String setting = names.endpoints();
    List<URI> kept = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<String> given = new ArrayList<>();
    for (String endpoint : endpoints) {
      String trimmed = endpoint.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      given.add(trimmed);
      URI checked = checked(trimmed, tls, names, problems);
      if (checked != null) {
        kept.add(checked);
      }
    }
    List<String> http = given.stream().filter(e -> scheme(e).equals("http")).toList();
    boolean https = given.stream().anyMatch(e -> scheme(e).equals("https"));
    if (https && !http.isEmpty()) {
      problems.add(
          refused(setting, String.join(",", given))
              + "mixes http and https; use one scheme for every endpoint");
    }
    if (tls != TlsSettings.NONE && !http.isEmpty()) {
      // TLS would be spoken to a plain-text port: every handshake fails, retried forever
      problems.add(
          refused(setting, String.join(",", http))
              + "TLS settings ("
              + names.tlsSettings()
              + ") need https:// endpoints; use https:// or remove the TLS settings");
    }
    return new EtcdEndpoints(kept, problems);
  }

  /** Whether every endpoint kept is {@code https://}; false when there are none. */
  public boolean https() {
    return !endpoints.isEmpty() && endpoints.stream().allMatch(e -> e.getScheme().equals("https"));
  }

  /**
   * {@code endpoint} as a client dials it ({@code scheme://host:port}, the scheme in lower case),
   * or {@code null} after adding to {@code problems} why it is refused.
   */
  private static URI checked(
      String endpoint, TlsSettings tls, SettingNames names, List<String> problems) {
    String refused = refused(names.endpoints(), endpoint);
    Matcher misspelled = MISSPELLED_SCHEME.matcher(endpoint);
    if (!endpoint.contains("://") && misspelled.matches()) {
      // a scheme given, its "://" mistyped: not one more scheme in front of it
      String scheme = misspelled.group(1).toLowerCase(Locale.ROOT);
      String rest = misspelled.group(2);
      problems.add(
          refused
              + "the scheme's :// is mistyped: write "
              + scheme
              + "://"
              + (rest.indexOf('@') < 0 ? rest : "host:port"));
      return null;
    }
    if (!endpoint.contains("://")) {
      // etcdctl and etcd's own docs write endpoints as host:port: say what to write instead
      problems.add(
          refused
              + "needs a scheme: write http://"
              + (endpoint.indexOf('@') < 0 ? endpoint : "host:port")
              + " (https:// for TLS)");
      return null;
    }
    URI url;
    try {
      url = new URI(endpoint);
    } catch (URISyntaxException e) {
      // the exception's own message quotes the whole input, password included: only its reason
      problems.add(refused + "not a URL (" + e.getReason() + ")");
      return null;
    }
    String scheme = scheme(endpoint);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problems.add(refused + "the scheme must be http or https");
      return null;
    }
    int before = problems.size();
    String authority = url.getRawAuthority();
    if (authority != null && authority.indexOf('@') >= 0) {
      problems.add(
          refused + "credentials do not belong in an endpoint URL; set " + names.credentials());
    }
    String path = url.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || url.getRawQuery() != null
        || url.getRawFragment() != null) {
      problems.add(
          refused
              + "an endpoint is scheme://host:port, without a path, query or fragment (they"
              + " would be ignored)");
    }
    EtcdAddress address = EtcdAddress.of(url);
    if (address == null || address.port() < 1) {
      problems.add(refused + "needs a host and a port, e.g. http://127.0.0.1:2379");
    } else if (!address.isHostName()) {
      problems.add(refused + "'" + address.host() + "' is not a host name");
    } else if (address.port() > 65535) {
      problems.add(refused + "the port must be between 1 and 65535");
    } else if (scheme.equals("https")
        && !address.isTlsHostName()
        && tls != TlsSettings.GIVEN_WITH_AUTHORITY) {
      problems.add(
          refused
              + "TLS cannot check etcd's certificate against the host name '"
              + address.host()
              + "' (the JDK refuses "
              + (address.host().indexOf('_') >= 0 ? "a '_' in a DNS name" : "it as a DNS name")
              + "); set "
              + names.tlsAuthority()
              + " to a name in etcd's certificate, or use a host name without '_'");
    }
    return problems.size() == before ? URI.create(scheme + "://" + authority) : null;
  }

  /**
   * The start of every message about {@code value}: the setting and the value, passwords hidden.
   */
  private static String refused(String setting, String value) {
    return setting + "=" + EtcdAddress.withoutPasswords(value) + ": ";
  }

  /** The scheme in lower case (RFC 3986: schemes are case-insensitive), or empty. */
  private static String scheme(String endpoint) {
    int colon = endpoint.indexOf("://");
    return colon < 0 ? "" : endpoint.substring(0, colon).toLowerCase(Locale.ROOT);
  }
}
