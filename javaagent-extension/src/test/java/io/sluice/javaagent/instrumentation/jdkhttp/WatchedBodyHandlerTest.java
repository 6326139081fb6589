package io.sluice.javaagent.instrumentation.jdkhttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedBodyHandlerTest {

  private static final HttpResponse.ResponseInfo OK =
      new HttpResponse.ResponseInfo() {
        @Override
        public int statusCode() {
          return 200;
        }

        @Override
        public HttpHeaders headers() {
          return HttpHeaders.of(Map.of(), (name, value) -> true);
        }

        @Override
        public HttpClient.Version version() {
          return HttpClient.Version.HTTP_1_1;
        }
      };

  @Test
  void leavesTheJdksInMemorySubscribersUnwatchedSoTheClientNeedsNoExtraTask() {
    for (BodyHandler<?> handler :
        List.of(
            BodyHandlers.ofString(),
            BodyHandlers.ofByteArray(),
            BodyHandlers.discarding(),
            BodyHandlers.replacing("x"),
            BodyHandlers.ofInputStream())) {
      HttpResponse.BodySubscriber<?> own = handler.apply(OK);
      HttpResponse.BodySubscriber<?> handed = watched(handler).apply(OK);
      assertThat(handed)
          .as(own.getClass().getName())
          .isNotInstanceOf(WatchedBodyHandler.Subscriber.class);
      assertThat(handed.getClass()).isEqualTo(own.getClass());
    }
  }

  @Test
  void watchesSubscribersThatCanFailOnTheirOwn(@TempDir Path dir) {
    for (BodyHandler<?> handler :
        List.of(
            BodyHandlers.ofFile(dir.resolve("missing").resolve("body")),
            BodyHandlers.ofByteArrayConsumer(bytes -> {}),
            BodyHandlers.ofLines(),
            BodyHandlers.ofPublisher(),
            BodyHandlers.buffering(BodyHandlers.ofString(), 16),
            info ->
                HttpResponse.BodySubscribers.mapping(
                    HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.UTF_8),
                    String::length))) {
      assertThat(watched(handler).apply(OK)).isInstanceOf(WatchedBodyHandler.Subscriber.class);
    }
  }

  @SuppressWarnings("unchecked")
  private static BodyHandler<Object> watched(BodyHandler<?> handler) {
    return (BodyHandler<Object>) WatchedBodyHandler.watch(handler);
  }
}
