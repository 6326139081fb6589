package io.sluice.javaagent.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on loopback: accepts {@code POST /v1/traces} in protobuf and keeps
 * the spans. The protobuf is read field by field against the OTLP schema (trace/v1), so the test
 * needs no generated classes.
 */
final class OtlpReceiver implements AutoCloseable {

  /** One received span, with what the tests look at. */
  record ReceivedSpan(
      String service,
      String traceId,
      String name,
      int kind,
      Map<String, String> attributes,
      List<String> events,
      int statusCode) {

    static final int KIND_SERVER = 2;
    static final int KIND_CLIENT = 3;
    static final int STATUS_ERROR = 2;
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  static OtlpReceiver start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    OtlpReceiver receiver = new OtlpReceiver(server);
    server.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream raw = exchange.getRequestBody()) {
            InputStream in =
                "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(raw)
                    : raw;
            receiver.spans.addAll(parse(in.readAllBytes()));
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
          } catch (RuntimeException e) {
            exchange.sendResponseHeaders(400, -1);
          } finally {
            exchange.close();
          }
        });
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    return receiver;
  }

  /** The base endpoint for {@code otel.exporter.otlp.endpoint}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  List<ReceivedSpan> spans(String traceId) {
    return spans.stream().filter(span -> span.traceId().equals(traceId)).toList();
  }

  void clear() {
    spans.clear();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  static List<ReceivedSpan> parse(byte[] body) throws IOException {
    List<ReceivedSpan> out = new ArrayList<>();
    UnknownFieldSet request = UnknownFieldSet.parseFrom(body);
    for (ByteString resourceSpans : lengthDelimited(request, 1)) {
      UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
      String service = null;
      for (ByteString resource : lengthDelimited(rs, 1)) {
        service = attributes(UnknownFieldSet.parseFrom(resource), 1).get("service.name");
      }
      for (ByteString scopeSpans : lengthDelimited(rs, 2)) {
        for (ByteString spanBytes : lengthDelimited(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
          UnknownFieldSet span = UnknownFieldSet.parseFrom(spanBytes);
          List<String> events = new ArrayList<>();
          for (ByteString event : lengthDelimited(span, 11)) {
            events.add(string(UnknownFieldSet.parseFrom(event), 2));
          }
          int statusCode = 0;
          for (ByteString status : lengthDelimited(span, 15)) {
            statusCode = (int) varint(UnknownFieldSet.parseFrom(status), 3);
          }
          out.add(
              new ReceivedSpan(
                  service,
                  HexFormat.of().formatHex(lengthDelimited(span, 1).get(0).toByteArray()),
                  string(span, 5),
                  (int) varint(span, 6),
                  attributes(span, 9),
                  events,
                  statusCode));
        }
      }
    }
    return out;
  }

  private static List<ByteString> lengthDelimited(UnknownFieldSet message, int field) {
    return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
  }

  private static String string(UnknownFieldSet message, int field) {
    List<ByteString> values = lengthDelimited(message, field);
    return values.isEmpty() ? "" : values.get(0).toStringUtf8();
  }

  private static long varint(UnknownFieldSet message, int field) {
    if (!message.hasField(field) || message.getField(field).getVarintList().isEmpty()) {
      return 0;
    }
    return message.getField(field).getVarintList().get(0);
  }

  /** KeyValue attributes; values rendered as text (string, bool, int or double). */
  private static Map<String, String> attributes(UnknownFieldSet message, int field)
      throws IOException {
    Map<String, String> attributes = new HashMap<>();
    for (ByteString kvBytes : lengthDelimited(message, field)) {
      UnknownFieldSet kv = UnknownFieldSet.parseFrom(kvBytes);
      String value = "";
      for (ByteString anyBytes : lengthDelimited(kv, 2)) {
        UnknownFieldSet any = UnknownFieldSet.parseFrom(anyBytes);
        if (any.hasField(1)) {
          value = string(any, 1);
        } else if (any.hasField(2)) {
          value = Boolean.toString(varint(any, 2) != 0);
        } else if (any.hasField(3)) {
          value = Long.toString(varint(any, 3));
        } else if (any.hasField(4)) {
          value = Double.toString(Double.longBitsToDouble(any.getField(4).getFixed64List().get(0)));
        }
      }
      attributes.put(string(kv, 1), value);
    }
    return attributes;
  }
}
