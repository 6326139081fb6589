package io.sluice.controlplane.web;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.EventSettings;
import io.sluice.controlplane.FlagParameters;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.security.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/events}: live rule and agent changes as server-sent events; {@code
 * ?agentStatus=false} leaves the agent's status out of {@code agent} events, for a client that only
 * needs to know which agent changed (the web UI re-reads what it shows).
 */
@RestController
class EventsController {

  /** Seconds a refused client should wait before it tries again. */
  static final int RETRY_AFTER_SECONDS = 10;

  /**
   * How often an idle stream gets a keep-alive comment, in milliseconds: a client that hears
   * nothing for a few of these knows the stream is dead (a connection a network dropped without a
   * word), and reconnects.
   */
  static final String KEEP_ALIVE_HEADER = "X-Sluice-Keep-Alive";

  private final EventStream events;
  private final EventSettings settings;

  EventsController(EventStream events, EventSettings settings) {
    this.events = events;
    this.settings = settings;
  }

  @GetMapping(value = "/api/v1/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events(
      HttpServletRequest request,
      HttpServletResponse response,
      @RequestParam(name = "agentStatus", required = false) String agentStatus) {
    boolean withStatus = FlagParameters.parse("agentStatus", agentStatus, true);
    SseEmitter emitter;
    try {
      emitter = events.connect(Caller.of(request), withStatus);
    } catch (EventStream.Refused refused) {
      // the problem advice answers; headers already on the response stay
      response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
      throw refused.callersCap
          ? new ApiException(
              ProblemType.TOO_MANY_EVENT_STREAMS_OF_CALLER,
              "one caller may have at most "
                  + settings.maxClientsPerCaller()
                  + " event streams open at once (sluice.events.max-clients-per-caller; callers"
                  + " without a token count as one); close one, or try again later")
          : new ApiException(
              ProblemType.TOO_MANY_EVENT_CLIENTS,
              "the control plane serves at most "
                  + settings.maxClients()
                  + " event streams at once (sluice.events.max-clients); try again later");
    }
    streamHeaders(response);
    return emitter;
  }

  /** The headers of a stream's answer, besides its type: a HEAD's too. */
  private void streamHeaders(HttpServletResponse response) {
    // a proxy that buffers the stream (nginx does by default) would hold events back
    response.setHeader("X-Accel-Buffering", "no");
    response.setHeader(KEEP_ALIVE_HEADER, String.valueOf(settings.keepAlive().toMillis()));
  }

  /**
   * {@code HEAD /api/v1/events} (an uptime monitor's): the stream's headers, and no stream. Served
   * by {@link #events}, as Spring serves a HEAD by the GET handler, it opened a stream that nothing
   * ended until its maximum age: the container discards a HEAD's body, so no keep-alive write
   * failed, and the caller's allowance of streams ran out.
   */
  @RequestMapping(
      value = "/api/v1/events",
      method = RequestMethod.HEAD,
      produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  ResponseEntity<Void> head(
      HttpServletResponse response,
      @RequestParam(name = "agentStatus", required = false) String agentStatus) {
    FlagParameters.parse("agentStatus", agentStatus, true);
    streamHeaders(response);
    return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).build();
  }
}
