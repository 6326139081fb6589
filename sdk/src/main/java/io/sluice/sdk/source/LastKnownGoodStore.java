package io.sluice.sdk.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.RuleDocument;
import io.sluice.sdk.ActiveRules;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the last rules an agent applied from etcd on disk, so an agent that starts while etcd is
 * unreachable still runs the rules it had instead of the built-in defaults.
 *
 * <p>One file per service under the state directory ({@code sluice.state.dir}, default {@code
 * ~/.sluice}): {@code rules-{service}.json}, holding the document with the etcd revision and source
 * it came from. Every save writes a temporary file, forces it to disk and renames it over the old
 * one ({@code ATOMIC_MOVE}), so a crash mid-write leaves the previous snapshot intact, never half a
 * file. A stored document is validated again when loaded: anything unreadable is refused with one
 * log line, and the caller runs on the defaults.
 *
 * <p>Creating a store does no I/O. Methods never throw: disk problems are logged and the agent goes
 * on.
 */
public final class LastKnownGoodStore {

  private static final Logger logger = Logger.getLogger(LastKnownGoodStore.class.getName());
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final int FORMAT = 1;

  private final Path directory;
  private final Clock clock;

  private LastKnownGoodStore(Path directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  /** A store under {@code directory} (created on the first save). */
  public static LastKnownGoodStore create(Path directory) {
    return create(directory, Clock.systemUTC());
  }

  /** A store under {@code directory} that stamps saves with {@code clock}. */
  public static LastKnownGoodStore create(Path directory, Clock clock) {
    return new LastKnownGoodStore(
        Objects.requireNonNull(directory, "directory"), Objects.requireNonNull(clock, "clock"));
  }

  /** The directory the store writes to. */
  public Path directory() {
    return directory;
  }

  /** The file holding {@code service}'s snapshot. */
  public Path file(String service) {
    return directory.resolve("rules-" + fileSafe(service) + ".json");
  }

  /**
   * Replaces {@code service}'s snapshot with {@code rules}, atomically.
   *
   * @return whether the snapshot was written
   */
  public boolean save(String service, ActiveRules rules) {
    Path target = file(service);
    Path temp = null;
    try {
      ObjectNode root = MAPPER.createObjectNode();
      root.put("format", FORMAT);
      root.put("service", service);
      root.put("revision", rules.revision());
      root.put("source", rules.source().name());
      root.put("savedAt", clock.instant().toString());
      root.set("document", MAPPER.readTree(RuleCodec.write(rules.document())));
      byte[] bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
      Files.createDirectories(directory);
      temp = Files.createTempFile(directory, ".rules-" + fileSafe(service) + "-", ".tmp");
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      logger.log(
          Level.WARNING,
          "could not save last-known-good rules to " + target + ": " + e,
          logger.isLoggable(Level.FINE) ? e : null);
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // A stray temp file is harmless; the next save writes a new one.
        }
      }
      return false;
    }
  }

  /**
   * The stored snapshot of {@code service}, validated, as a {@link
   * ActiveRules.Source#LAST_KNOWN_GOOD} snapshot with the revision it had; empty when there is none
   * or it is unusable (logged once).
   */
  public Optional<ActiveRules> load(String service) {
    Path path = file(service);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      refuse(path, "it could not be read (" + e + ")");
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      refuse(path, "it is not JSON");
      return Optional.empty();
    }
    if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT) {
      refuse(path, "it is not a last-known-good snapshot of format " + FORMAT);
      return Optional.empty();
    }
    JsonNode revision = root.get("revision");
    if (revision == null || !revision.canConvertToLong() || revision.asLong() < 0) {
      refuse(path, "it has no valid revision");
      return Optional.empty();
    }
    JsonNode document = root.get("document");
    if (document == null || !document.isObject()) {
      refuse(path, "it holds no rule document");
      return Optional.empty();
    }
    DocumentCompiler.Outcome outcome =
        DocumentCompiler.compile(
            document.toString().getBytes(StandardCharsets.UTF_8),
            Set.of(service, RuleDocument.DEFAULT_SERVICE));
    if (!outcome.isValid()) {
      refuse(
          path,
          "its document is invalid: "
              + String.join("; ", outcome.errors().stream().map(Object::toString).toList()));
      return Optional.empty();
    }
    return Optional.of(
        new ActiveRules(outcome.rules(), revision.asLong(), ActiveRules.Source.LAST_KNOWN_GOOD));
  }

  /** Deletes {@code service}'s snapshot, e.g. after its documents were deleted in etcd. */
  public void delete(String service) {
    Path path = file(service);
    try {
      Files.deleteIfExists(path);
    } catch (IOException | RuntimeException e) {
      logger.log(Level.WARNING, "could not delete last-known-good rules " + path + ": " + e);
    }
  }

  private static void refuse(Path path, String why) {
    logger.warning(
        "refusing last-known-good rules "
            + path
            + ": "
            + why
            + "; the built-in defaults apply until etcd answers");
  }

  /** Service names are checked by the rule language; this only keeps file names portable. */
  static String fileSafe(String service) {
    StringBuilder out = new StringBuilder(service.length());
    for (byte b : service.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
