package io.sluice.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
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
    // name, then role, at every start (an immutable map's order changes from one to the next)
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("name", caller.name());
    answer.put("role", caller.role() == null ? "none" : caller.role().toString());
    return answer;
  }
}
