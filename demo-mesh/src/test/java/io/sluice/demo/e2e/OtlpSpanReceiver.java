package io.sluice.demo.e2e;

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
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on loopback that the demo's agents export to: accepts {@code POST
 * /v1/traces} in protobuf and keeps every span. The protobuf is read field by field against the
 * OTLP trace/v1 schema (the same approach as the extension's integration tests), so the test needs
 * no generated OTLP classes; protobuf-java is on the test class path already.
 */
final class OtlpSpanReceiver implements AutoCloseable {

  /** One received span, with what the tests look at. */
  record Span(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      long startEpochNanos,
      Map<String, String> attributes) {

    static final int KIND_SERVER = 2;
    static final int KIND_CLIENT = 3;

    /** A captured request header ({@code http.request.header.<name>}), or {@code null}. */
    String requestHeader(String name) {
      return attributes.get("http.request.header." + name);
    }

    @Override
    public String toString() {
      return service
          + " "
          + name
          + " kind="
          + kind
          + " trace="
          + traceId
          + " span="
          + spanId
          + " parent="
          + parentSpanId
          + " "
          + attributes;
    }
  }

  private final HttpServer server;
  private final List<Span> spans = new CopyOnWriteArrayList<>();

  private OtlpSpanReceiver(HttpServer server) {
    this.server = server;
  }

  static OtlpSpanReceiver start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    OtlpSpanReceiver receiver = new OtlpSpanReceiver(server);
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

  /** The base endpoint for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Span> spans(Predicate<Span> which) {
    return spans.stream().filter(which).toList();
  }

  long count(Predicate<Span> which) {
    return spans.stream().filter(which).count();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  static List<Span> parse(byte[] body) throws IOException {
    List<Span> out = new ArrayList<>();
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
          out.add(
              new Span(
                  service,
                  hex(span, 1),
                  hex(span, 2),
                  hex(span, 4),
                  string(span, 5),
                  (int) varint(span, 6),
                  fixed64(span, 7),
                  attributes(span, 9)));
        }
      }
    }
    return out;
  }

  private static List<ByteString> lengthDelimited(UnknownFieldSet message, int field) {
    return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
  }

  private static String hex(UnknownFieldSet message, int field) {
    List<ByteString> values = lengthDelimited(message, field);
    return values.isEmpty() ? "" : HexFormat.of().formatHex(values.get(0).toByteArray());
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

  private static long fixed64(UnknownFieldSet message, int field) {
    if (!message.hasField(field) || message.getField(field).getFixed64List().isEmpty()) {
      return 0;
    }
    return message.getField(field).getFixed64List().get(0);
  }

  /** KeyValue attributes; values as text (string, bool, int, double; arrays joined by ","). */
  private static Map<String, String> attributes(UnknownFieldSet message, int field)
      throws IOException {
    Map<String, String> attributes = new HashMap<>();
    for (ByteString kvBytes : lengthDelimited(message, field)) {
      UnknownFieldSet kv = UnknownFieldSet.parseFrom(kvBytes);
      String value = "";
      for (ByteString anyBytes : lengthDelimited(kv, 2)) {
        value = anyValue(UnknownFieldSet.parseFrom(anyBytes));
      }
      attributes.put(string(kv, 1), value);
    }
    return attributes;
  }

  private static String anyValue(UnknownFieldSet any) throws IOException {
    if (any.hasField(1)) {
      return string(any, 1);
    } else if (any.hasField(2)) {
      return Boolean.toString(varint(any, 2) != 0);
    } else if (any.hasField(3)) {
      return Long.toString(varint(any, 3));
    } else if (any.hasField(4)) {
      return Double.toString(Double.longBitsToDouble(fixed64(any, 4)));
    } else if (any.hasField(5)) { // ArrayValue { repeated AnyValue values = 1; }
      List<String> values = new ArrayList<>();
      for (ByteString array : lengthDelimited(any, 5)) {
        for (ByteString element : lengthDelimited(UnknownFieldSet.parseFrom(array), 1)) {
          values.add(anyValue(UnknownFieldSet.parseFrom(element)));
        }
      }
      return String.join(",", values);
    }
    return "";
  }
}
