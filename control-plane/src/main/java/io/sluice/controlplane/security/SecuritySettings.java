package io.sluice.controlplane.security;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Bearer tokens and their roles ({@code sluice.security.*}).
 *
 * <pre>
 * sluice.security.tokens.alice.token-sha256=9f86d081884c7d65...   (preferred: only the hash)
 * sluice.security.tokens.alice.role=writer
 * sluice.security.tokens.ci.token=${CI_TOKEN}                      (hashed at start)
 * sluice.security.tokens.ci.role=reader
 * sluice.security.open-reads=true
 * </pre>
 *
 * @param openReads when true, reads need no token (writes always do)
 * @param tokens tokens by name; the name is recorded as the author of changes
 */
@ConfigurationProperties("sluice.security")
public record SecuritySettings(boolean openReads, Map<String, TokenSettings> tokens) {

  public SecuritySettings {
    tokens = tokens == null ? Map.of() : Map.copyOf(tokens);
    tokens.forEach(
        (name, token) -> {
          if (name.equalsIgnoreCase(Caller.ANONYMOUS.name())) {
            // history and event tickets would take its holder for a caller without a token
            throw new IllegalArgumentException(
                "sluice.security.tokens."
                    + name
                    + ": '"
                    + Caller.ANONYMOUS.name()
                    + "' names callers without a token; give this token another name");
          }
          token.check(name);
        });
  }

  /**
   * One token: exactly one of {@code token} (plain, hashed at start) or {@code tokenSha256} (hex).
   *
   * @param token the plain token
   * @param tokenSha256 the token's SHA-256, 64 hex digits
   * @param role what it may do
   */
  public record TokenSettings(String token, String tokenSha256, Role role) {

    /** A line of {@code sha256sum}'s output: the hash, then the file name ({@code -} for stdin). */
    private static final Pattern SHA256SUM_LINE =
        Pattern.compile("\\p{XDigit}{64}[ \\t]+\\*?\\S.*", Pattern.DOTALL);

    void check(String name) {
      String prefix = "sluice.security.tokens." + name;
      if ((token == null) == (tokenSha256 == null)) {
        throw new IllegalArgumentException(prefix + ": set exactly one of .token or .token-sha256");
      }
      if (token != null && token.length() < 16) {
        throw new IllegalArgumentException(prefix + ".token is shorter than 16 characters");
      }
      if (token != null) {
        unsendable(token)
            .ifPresent(
                what -> {
                  throw new IllegalArgumentException(prefix + ".token " + what);
                });
      }
      if (tokenSha256 != null) {
        try {
          if (HexFormat.of().parseHex(tokenSha256.toLowerCase(Locale.ROOT)).length != 32) {
            throw new IllegalArgumentException();
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              // the value is not quoted: a plain token set here by mistake would reach the log
              prefix
                  + ".token-sha256 is not 64 hex digits (it has "
                  + tokenSha256.length()
                  + " characters)"
                  + (SHA256SUM_LINE.matcher(tokenSha256).matches()
                      ? " (sha256sum prints the hash, then the file name: give only the hash,"
                          + " sha256sum | cut -d' ' -f1)"
                      : ""));
        }
      }
      if (role == null) {
        throw new IllegalArgumentException(prefix + ".role is required: reader, writer or admin");
      }
    }

    /**
     * Why no client could ever present {@code token}, if so: a request's bearer token is read
     * without the spaces and tabs around it, and a header holds no line break or other control
     * character, and carries Latin-1 characters at most (ISO-8859-1). A secret file's last newline
     * is the usual cause. Says where, never what: the token must not reach the log.
     */
    static Optional<String> unsendable(String token) {
      for (int i = 0; i < token.length(); i++) {
        char c = token.charAt(i);
        boolean atAnEnd = i == 0 || i == token.length() - 1;
        if (c == '\n' || c == '\r') {
          return Optional.of(
              "has a line break at character "
                  + (i + 1)
                  + " of "
                  + token.length()
                  + (token.substring(i).chars().allMatch(b -> b == '\n' || b == '\r')
                      ? " (a secret file's last newline?)"
                      : "")
                  + ", which no request can send: remove it");
        }
        if ((c == ' ' || c == '\t') && atAnEnd) {
          return Optional.of(
              (i == 0 ? "starts" : "ends")
                  + " with a space or tab, which a request's token is read without: remove it");
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          return Optional.of(
              "has a control character at character "
                  + (i + 1)
                  + ", which no request can send: remove it");
        }
        if (c > 0xff) {
          return Optional.of(
              "has a character past Latin-1 at character "
                  + (i + 1)
                  + ", which no request's header can carry: use ASCII only");
        }
      }
      return Optional.empty();
    }
  }
}
