package io.sluice.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/whoami}: the caller's token name and role, so the web UI shows editing
 * controls only to writers without having to try a write.
 */
@RestController
class WhoamiController {

  @GetMapping("/api/v1/whoami")
  Map<String, Object> whoami(HttpServletRequest request) {
    Caller caller = Caller.of(request);
    return Map.of(
        "name", caller.name(), "role", caller.role() == null ? "none" : caller.role().toString());
  }
}
