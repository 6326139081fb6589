package io.sluice.testing.otlp;

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
 * An OTLP/HTTP trace receiver on a free loopback port, for tests that check what real agents and
 * SDKs export: point {@code otel.exporter.otlp.endpoint} (or {@code OTEL_EXPORTER_OTLP_ENDPOINT})
 * at {@link #endpoint()} with protocol {@code http/protobuf}, then read {@link #spans()}.
 *
 * <p>Spans are decoded from the protobuf wire format with protobuf-java's {@link UnknownFieldSet}
 * and the field numbers of {@code opentelemetry/proto/trace/v1/trace.proto}, so no generated OTLP
 * classes are needed. Other signals ({@code /v1/metrics}, {@code /v1/logs}) are accepted and
 * dropped. Gzip request bodies are understood.
 *
 * <p>An export the receiver cannot read (not gzip, not protobuf, cut short) is answered 400 and
 * recorded in {@link #errors()}; from then on every method that reads spans throws with the first
 * error, since the spans of that export are missing: a test waiting for them fails at once and says
 * why, instead of timing out on spans that silently vanished.
 */
public final class OtlpReceiver implements AutoCloseable {

  /**
   * One received span. Attribute values are text: strings as they are, booleans, integers and
   * doubles in Java's notation, arrays joined by {@code ","}.
   *
   * @param service the resource's {@code service.name}
   * @param traceId the trace id, lower-case hex
   * @param spanId the span id, lower-case hex
   * @param parentSpanId the parent's span id, or {@code ""} for a root span
   * @param name the span name
   * @param kind the OTLP span kind ({@link #KIND_SERVER}, {@link #KIND_CLIENT}, ...)
   * @param startEpochNanos the start time
   * @param attributes the span's attributes
   * @param events the names of the span's events, in order
   * @param statusCode the OTLP status code ({@link #STATUS_ERROR} for an error, 0 when unset)
   */
  public record ReceivedSpan(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      long startEpochNanos,
      Map<String, String> attributes,
      List<String> events,
      int statusCode) {

    public static final int KIND_INTERNAL = 1;
    public static final int KIND_SERVER = 2;
    public static final int KIND_CLIENT = 3;
    public static final int STATUS_OK = 1;
    public static final int STATUS_ERROR = 2;

    /** A captured request header ({@code http.request.header.<name>}), or {@code null}. */
    public String requestHeader(String header) {
      return attributes.get("http.request.header." + header);
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
          + " status="
          + statusCode
          + " events="
          + events
          + " "
          + attributes;
    }
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  /** Starts a receiver on a free port of 127.0.0.1. */
  public static OtlpReceiver start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    OtlpReceiver receiver = new OtlpReceiver(server);
    server.createContext(
        "/v1/traces",
        exchange -> {
          try {
            List<ReceivedSpan> received;
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            try (InputStream raw = exchange.getRequestBody()) {
              InputStream in = "gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(raw) : raw;
              received = parse(in.readAllBytes());
            } catch (IOException | RuntimeException e) {
              // InvalidProtocolBufferException and ZipException are IOExceptions
              receiver.errors.add(
                  "an export to /v1/traces (Content-Encoding "
                      + encoding
                      + ") could not be read: "
                      + e);
              exchange.sendResponseHeaders(400, -1);
              return;
            }
            receiver.spans.addAll(received);
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
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

  /** The base endpoint, e.g. {@code http://127.0.0.1:41234}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Every span received so far.
   *
   * @throws IllegalStateException when an export could not be read (see {@link #errors()})
   */
  public List<ReceivedSpan> spans() {
    return List.copyOf(received());
  }

  /**
   * The spans of one trace.
   *
   * @throws IllegalStateException when an export could not be read (see {@link #errors()})
   */
  public List<ReceivedSpan> spans(String traceId) {
    return spans(span -> span.traceId().equals(traceId));
  }

  /**
   * The spans that {@code which} accepts.
   *
   * @throws IllegalStateException when an export could not be read (see {@link #errors()})
   */
  public List<ReceivedSpan> spans(Predicate<ReceivedSpan> which) {
    return received().stream().filter(which).toList();
  }

  /**
   * How many spans {@code which} accepts.
   *
   * @throws IllegalStateException when an export could not be read (see {@link #errors()})
   */
  public long count(Predicate<ReceivedSpan> which) {
    return received().stream().filter(which).count();
  }

  /** What went wrong with each export that could not be read, oldest first. */
  public List<String> errors() {
    return List.copyOf(errors);
  }

  /** Forgets the spans received so far. Errors stay: the spans they lost are still missing. */
  public void clear() {
    spans.clear();
  }

  private List<ReceivedSpan> received() {
    if (!errors.isEmpty()) {
      throw new IllegalStateException(
          errors.size()
              + " export(s) to this receiver could not be read, so spans are missing; the first: "
              + errors.get(0));
    }
    return spans;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Decodes an {@code ExportTraceServiceRequest}. */
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
          out.add(span(service, UnknownFieldSet.parseFrom(spanBytes)));
        }
      }
    }
    return out;
  }

  private static ReceivedSpan span(String service, UnknownFieldSet span) throws IOException {
    List<String> events = new ArrayList<>();
    for (ByteString event : lengthDelimited(span, 11)) {
      events.add(string(UnknownFieldSet.parseFrom(event), 2));
    }
    int statusCode = 0;
    for (ByteString status : lengthDelimited(span, 15)) {
      statusCode = (int) varint(UnknownFieldSet.parseFrom(status), 3);
    }
    return new ReceivedSpan(
        service,
        hex(span, 1),
        hex(span, 2),
        hex(span, 4),
        string(span, 5),
        (int) varint(span, 6),
        fixed64(span, 7),
        attributes(span, 9),
        List.copyOf(events),
        statusCode);
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
