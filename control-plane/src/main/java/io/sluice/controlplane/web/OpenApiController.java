package io.sluice.controlplane.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the OpenAPI 3 description of the API, written by hand next to the code ({@code
 * openapi.json} on the class path); a test keeps it and the served endpoints in step. Open to
 * everyone: it describes the API, it holds no data.
 */
@RestController
class OpenApiController {

  private volatile byte[] document;

  /**
   * As every read, also to an {@code Accept} of problem details alone: see {@code JsonAnswerType}.
   */
  @GetMapping(
      value = "/api/v1/openapi.json",
      produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
  ResponseEntity<byte[]> openApi() {
    byte[] loaded = document;
    if (loaded == null) {
      loaded = load();
      document = loaded;
    }
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(loaded);
  }

  private static byte[] load() {
    try (InputStream in = new ClassPathResource("openapi.json").getInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("openapi.json is missing from the class path", e);
    }
  }
}
