package io.sluice.controlplane.web;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** {@code GET /api/v1/events}: live rule and agent changes as server-sent events. */
@RestController
class EventsController {

  private final EventStream events;

  EventsController(EventStream events) {
    this.events = events;
  }

  @GetMapping(value = "/api/v1/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events() {
    return events.connect();
  }
}
