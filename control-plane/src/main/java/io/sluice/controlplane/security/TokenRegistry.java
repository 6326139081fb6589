package io.sluice.controlplane.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The configured tokens, kept only as SHA-256 hashes and compared in constant time. With no tokens
 * configured it generates one admin token for this run and logs it once, so a fresh control plane
 * never serves writes unauthenticated.
 */
public final class TokenRegistry {

  private static final Logger LOG = Logger.getLogger(TokenRegistry.class.getName());

  private record Entry(String name, byte[] sha256, Role role) {}

  private final List<Entry> entries;

  private TokenRegistry(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** The registry of the configured tokens, or of one generated admin token when none are. */
  public static TokenRegistry from(SecuritySettings settings) {
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, SecuritySettings.TokenSettings> e : settings.tokens().entrySet()) {
      SecuritySettings.TokenSettings token = e.getValue();
      byte[] hash =
          token.token() != null
              ? sha256(token.token())
              : HexFormat.of().parseHex(token.tokenSha256().toLowerCase(Locale.ROOT));
      for (Entry other : entries) {
        if (MessageDigest.isEqual(hash, other.sha256())) {
          // the caller would be whichever came first, and the order changes from run to run
          boolean otherFirst = other.name().compareTo(e.getKey()) < 0;
          throw new IllegalArgumentException(
              "sluice.security.tokens."
                  + (otherFirst ? other.name() : e.getKey())
                  + " and sluice.security.tokens."
                  + (otherFirst ? e.getKey() : other.name())
                  + " are the same token: a request with it would run as either, by turns across"
                  + " restarts; give each name its own token");
        }
      }
      entries.add(new Entry(e.getKey(), hash, token.role()));
    }
    if (entries.isEmpty()) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      entries.add(new Entry("admin", sha256(generated), Role.ADMIN));
      LOG.warning(
          "No tokens configured (sluice.security.tokens.*): generated an admin token for this run"
              + " only:\n\n    Authorization: Bearer "
              + generated
              + "\n\nConfigure your own with sluice.security.tokens.<name>.token-sha256 and"
              + " .role to keep one across restarts.");
    }
    return new TokenRegistry(entries);
  }

  /** The caller a presented token belongs to, or {@code null} when it matches none. */
  public Caller authenticate(String presented) {
    byte[] hash = sha256(presented);
    Caller found = null;
    // Compare against every entry, without stopping early, so timing says nothing about which.
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(hash, entry.sha256()) && found == null) {
        found = new Caller(entry.name(), entry.role());
      }
    }
    return found;
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
