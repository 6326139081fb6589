package io.sluice.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TokenRegistryTest {

  @Test
  void acceptsPlainAndHashedTokensWithTheirRolesAndNothingElse() {
    String hash = HexFormat.of().formatHex(TokenRegistry.sha256("hashed-token-000000001"));
    TokenRegistry tokens =
        TokenRegistry.from(
            new SecuritySettings(
                false,
                Map.of(
                    "alice",
                        new SecuritySettings.TokenSettings(
                            "plain-token-0000000001", null, Role.WRITER),
                    "ci",
                        new SecuritySettings.TokenSettings(
                            null, hash.toUpperCase(), Role.READER))));
    assertThat(tokens.authenticate("plain-token-0000000001"))
        .isEqualTo(new Caller("alice", Role.WRITER));
    assertThat(tokens.authenticate("hashed-token-000000001"))
        .isEqualTo(new Caller("ci", Role.READER));
    assertThat(tokens.authenticate("plain-token-0000000002")).isNull();
    assertThat(tokens.authenticate("")).isNull();
  }

  @Test
  void generatesOneAdminTokenAndLogsItOnceWhenNoneAreConfigured() {
    Logger logger = Logger.getLogger(TokenRegistry.class.getName());
    List<String> logged = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            logged.add(record.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    try {
      TokenRegistry tokens = TokenRegistry.from(new SecuritySettings(false, null));
      assertThat(logged).hasSize(1);
      Matcher token = Pattern.compile("Bearer (\\S+)").matcher(logged.get(0));
      assertThat(token.find()).isTrue();
      assertThat(tokens.authenticate(token.group(1))).isEqualTo(new Caller("admin", Role.ADMIN));
      assertThat(tokens.authenticate("guess")).isNull();
    } finally {
      logger.removeHandler(capture);
    }
  }

  @Test
  void rejectsTokenSettingsThatCannotWork() {
    assertThatThrownBy(
            () ->
                new SecuritySettings(
                    false,
                    Map.of(
                        "x", new SecuritySettings.TokenSettings("t".repeat(20), "ab", Role.ADMIN))))
        .hasMessageContaining("sluice.security.tokens.x: set exactly one");
    assertThatThrownBy(
            () ->
                new SecuritySettings(
                    false, Map.of("x", new SecuritySettings.TokenSettings(null, "zz", Role.ADMIN))))
        .hasMessageContaining("not 64 hex digits (it has 2 characters)")
        .hasMessageNotContaining("sha256sum");
    assertThatThrownBy(
            () ->
                new SecuritySettings(
                    false,
                    Map.of("x", new SecuritySettings.TokenSettings("short", null, Role.ADMIN))))
        .hasMessageContaining("shorter than 16");
    assertThatThrownBy(
            () ->
                new SecuritySettings(
                    false,
                    Map.of("x", new SecuritySettings.TokenSettings("t".repeat(20), null, null))))
        .hasMessageContaining(".role is required");
  }

  @Test
  void saysToDropTheFileNameWhenGivenAWholeLineOfSha256sum() {
    String line = "ab".repeat(32) + "  -";
    assertThatThrownBy(
            () ->
                new SecuritySettings(
                    false,
                    Map.of("alice", new SecuritySettings.TokenSettings(null, line, Role.WRITER))))
        .hasMessage(
            "sluice.security.tokens.alice.token-sha256 is not 64 hex digits (it has 67 characters)"
                + " (sha256sum prints the hash, then the file name: give only the hash,"
                + " sha256sum | cut -d' ' -f1)");
  }

  @Test
  void neverQuotesAMalformedHashWhichMayBeAPlainTokenSetByMistake() {
    String plain = "s3cr3t-plain-token-value";
    assertThatThrownBy(
            () ->
                new SecuritySettings(
                    false,
                    Map.of("ci", new SecuritySettings.TokenSettings(null, plain, Role.READER))))
        .hasMessageContaining("sluice.security.tokens.ci.token-sha256 is not 64 hex digits")
        .hasMessageNotContaining(plain);
  }

  @Test
  void refusesATokenNamedLikeCallersWithoutOne() {
    for (String name : List.of("anonymous", "Anonymous")) {
      assertThatThrownBy(
              () ->
                  new SecuritySettings(
                      false,
                      Map.of(
                          name,
                          new SecuritySettings.TokenSettings("t".repeat(20), null, Role.WRITER))))
          .hasMessage(
              "sluice.security.tokens."
                  + name
                  + ": 'anonymous' names callers without a token; give this token another name");
    }
  }

  /**
   * A token no request can present is refused at start, saying where the fault is but not the
   * token: a secret file's last newline, spaces around it, a control character or one past Latin-1.
   * Spaces and tabs inside it can be sent, and are kept.
   */
  @Test
  void refusesAPlainTokenNoRequestCanPresent() {
    String base = "s3cr3t-token-value";
    Map<String, String> faults =
        Map.of(
            base + "\n",
            "has a line break at character 19 of 19 (a secret file's last newline?), which no"
                + " request can send: remove it",
            " " + base,
            "starts with a space or tab, which a request's token is read without: remove it",
            base + "\t",
            "ends with a space or tab, which a request's token is read without: remove it",
            "s3cr3t\u0000token-value",
            "has a control character at character 7, which no request can send: remove it",
            "s3cr3t-t\u20acken-value",
            "has a character past Latin-1 at character 9, which no request's header can carry:"
                + " use ASCII only",
            base + "\r\n",
            "has a line break at character 19 of 20 (a secret file's last newline?), which no"
                + " request can send: remove it");
    faults.forEach(
        (token, fault) ->
            assertThatThrownBy(
                    () ->
                        new SecuritySettings(
                            false,
                            Map.of(
                                "ci",
                                new SecuritySettings.TokenSettings(token, null, Role.WRITER))))
                .as(fault)
                .hasMessage("sluice.security.tokens.ci.token " + fault)
                .hasMessageNotContaining("s3cr3t"));
    for (String sendable : List.of("s3cr3t token value", "s3cr3t\ttoken-value")) {
      TokenRegistry tokens =
          TokenRegistry.from(
              new SecuritySettings(
                  false,
                  Map.of("ci", new SecuritySettings.TokenSettings(sendable, null, Role.WRITER))));
      assertThat(tokens.authenticate(sendable)).isEqualTo(new Caller("ci", Role.WRITER));
    }
  }

  /**
   * One token under two names is refused at start, plain or hashed: a request with it ran as
   * whichever name the settings' map gave first, which changes from run to run.
   */
  @Test
  void refusesOneTokenUnderTwoNames() {
    String token = "shared-token-0000000001";
    String hash = HexFormat.of().formatHex(TokenRegistry.sha256(token));
    SecuritySettings twice =
        new SecuritySettings(
            false,
            Map.of(
                "ci-write", new SecuritySettings.TokenSettings(token, null, Role.WRITER),
                "ci-read", new SecuritySettings.TokenSettings(null, hash, Role.READER)));
    assertThatThrownBy(() -> TokenRegistry.from(twice))
        .hasMessage(
            "sluice.security.tokens.ci-read and sluice.security.tokens.ci-write are the same"
                + " token: a request with it would run as either, by turns across restarts; give"
                + " each name its own token");
  }

  @Test
  void rolesIncludeTheOnesBelowThem() {
    assertThat(Role.ADMIN.includes(Role.WRITER)).isTrue();
    assertThat(Role.WRITER.includes(Role.READER)).isTrue();
    assertThat(Role.READER.includes(Role.WRITER)).isFalse();
    assertThat(Role.WRITER.includes(Role.ADMIN)).isFalse();
  }
}
