package io.sluice.rules.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/**
 * Reads and writes {@link AgentStatus} as JSON. Reading ignores unknown fields, so agents and
 * control planes of different versions can share one etcd.
 */
public final class AgentStatusCodec {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .addModule(
              new SimpleModule("instants")
                  .addSerializer(Instant.class, ToStringSerializer.instance)
                  .addDeserializer(
                      Instant.class,
                      new FromStringDeserializer<Instant>(Instant.class) {
                        private static final long serialVersionUID = 1L;

                        @Override
                        protected Instant _deserialize(
                            String value,
                            com.fasterxml.jackson.databind.DeserializationContext ctxt) {
                          return Instant.parse(value);
                        }
                      }))
          .build();

  private AgentStatusCodec() {}

  /** The JSON form of a status. */
  public static String write(AgentStatus status) {
    try {
      return MAPPER.writeValueAsString(status);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Why {@code json} is not a status document, in a few words for a log line (never the document's
   * content), or {@code null} when it is one. Never throws.
   */
  public static String whyUnreadable(byte[] json) {
    try {
      return MAPPER.readValue(json, AgentStatus.class) == null ? "it is JSON null" : null;
    } catch (JsonProcessingException e) {
      String reason = e.getOriginalMessage();
      // Jackson's first line names the problem; later lines quote the input
      return reason == null ? e.getClass().getSimpleName() : reason.lines().findFirst().orElse("");
    } catch (IOException | RuntimeException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
  }

  /** Reads a status; empty when the bytes are not a status document. Never throws. */
  public static Optional<AgentStatus> parse(byte[] json) {
    try {
      AgentStatus status = MAPPER.readValue(json, AgentStatus.class);
      return Optional.ofNullable(status);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
