package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import io.sluice.controlplane.security.ServiceNames;
import io.sluice.rules.CallTarget;
import io.sluice.rules.CompiledRules;
import io.sluice.rules.ParseResult;
import io.sluice.rules.RuleCodec;
import io.sluice.rules.SpanKind;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dry run: which sampling rule or breaker policy of a service's effective rules decides for a
 * span or an outgoing call, with the same compiled matchers the agents use. With an optional {@code
 * document} it evaluates that draft instead, validated as a save would be, so an editor can try
 * unsaved changes before anyone's agents run them.
 */
@RestController
class EvaluateController {

  private final EffectiveRules effective;
  private final JsonMapper json;

  EvaluateController(EffectiveRules effective, JsonMapper json) {
    this.effective = effective;
    this.json = json;
  }

  /**
   * {@code {"span": {...}}} or {@code {"call": {...}}}, and optionally {@code "document"}: a draft
   * rule document to evaluate instead of the stored rules.
   */
  record EvaluateRequest(SpanInput span, CallInput call, JsonNode document) {}

  record SpanInput(String name, String kind, Map<String, String> attributes) {}

  record CallInput(String method, String url) {}

  /**
   * The answer.
   *
   * @param service the service asked about
   * @param source the service whose document decided ({@code _default} possibly), or {@code null}
   *     for the built-in defaults
   * @param revision that document's revision, 0 for the built-in defaults, {@code null} for a draft
   * @param kind {@code span} or {@code call}
   * @param name the deciding rule or policy, or {@code null} when none matched
   * @param decision for a span: {@code ratio}, {@code maxPerSecond}, {@code respectParentDecision};
   *     for a call: the policy's breaker settings and {@code onOpen}, or {@code null} when no
   *     policy guards the call
   * @param draft true when the request's {@code document} was evaluated, not the stored rules
   */
  record Evaluation(
      String service,
      String source,
      Long revision,
      String kind,
      String name,
      Object decision,
      boolean draft) {}

  /** The rules a dry run evaluates: the stored effective rules, or a posted draft. */
  private record Subject(String source, Long revision, boolean draft, CompiledRules rules) {}

  /** The fields a request may have, by where they go; anything else is a mistake to report. */
  private static final Map<String, List<String>> FIELDS =
      Map.of(
          "", List.of("span", "call", "document"),
          "span", List.of("name", "kind", "attributes"),
          "call", List.of("method", "url"));

  @PostMapping("/api/v1/services/{service}/rules/evaluate")
  Evaluation evaluate(@PathVariable String service, @RequestBody JsonNode body) {
    ServiceNames.requireReported(service);
    EvaluateRequest request = read(body);
    if (request == null || (request.span() == null) == (request.call() == null)) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST, "give exactly one of \"span\" or \"call\"");
    }
    JsonNode document = request.document();
    Subject rules =
        document != null && !document.isNull() ? draft(service, document) : stored(service);
    JsonNode canonical = json.readTree(RuleCodec.write(rules.rules().document()));
    return request.span() != null
        ? span(service, rules, canonical, request.span())
        : call(service, rules, canonical, request.call());
  }

  /**
   * The request, refusing fields it does not know: a misspelt {@code "attribute"} would otherwise
   * be dropped, and the dry run would answer for a span without attributes, which looks like a rule
   * that does not match.
   */
  private EvaluateRequest read(JsonNode body) {
    if (body == null || body.isNull()) {
      return null;
    }
    List<String> unknown = new java.util.ArrayList<>();
    unknownFields(body, "", unknown);
    for (String part : List.of("span", "call")) {
      JsonNode node = body.get(part);
      if (node != null && node.isObject()) {
        unknownFields(node, part, unknown);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ApiException(ProblemType.INVALID_REQUEST, String.join("; ", unknown));
    }
    try {
      return json.treeToValue(body, EvaluateRequest.class);
    } catch (tools.jackson.core.JacksonException e) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST,
          "the request is {\"span\": {\"name\", \"kind\", \"attributes\": {...}}} or {\"call\":"
              + " {\"method\", \"url\"}}, with an optional \"document\", each value a string"
              + " (attributes: an object of strings)");
    }
  }

  private static void unknownFields(JsonNode node, String where, List<String> unknown) {
    if (!node.isObject()) {
      return;
    }
    List<String> allowed = FIELDS.get(where);
    for (String field : node.propertyNames()) {
      if (!allowed.contains(field)) {
        String path = where.isEmpty() ? field : where + "." + field;
        unknown.add(
            "unknown field '"
                + path
                + "'"
                + (where.isEmpty() ? "" : " in " + where)
                + ": expected "
                + String.join(", ", allowed));
      }
    }
  }

  private Subject stored(String service) {
    EffectiveRules.Effective rules = effective.of(service);
    if (!rules.valid()) {
      throw new ApiException(
          ProblemType.STORED_DOCUMENT_INVALID,
          "the document of "
              + rules.source()
              + " at revision "
              + rules.revision()
              + " is invalid (written around the API); agents keep their last good rules");
    }
    return new Subject(rules.source(), rules.revision(), false, rules.rules());
  }

  /** A draft is held to what a save of it would be: the same parse, for this service. */
  private Subject draft(String service, JsonNode document) {
    ParseResult parsed = RuleCodec.parseFor(service, json.writeValueAsBytes(document));
    if (!parsed.isValid()) {
      throw InvalidRules.problem(parsed.errors());
    }
    return new Subject(
        parsed.document().service(), null, true, CompiledRules.compile(parsed.document()));
  }

  private Evaluation span(String service, Subject rules, JsonNode canonical, SpanInput span) {
    SpanKind kind = null;
    if (span.kind() != null) {
      try {
        kind = SpanKind.valueOf(span.kind().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ApiException(
            ProblemType.INVALID_REQUEST, "span.kind must be one of " + List.of(SpanKind.values()));
      }
    }
    Map<String, String> attributes = span.attributes() == null ? Map.of() : span.attributes();
    CompiledRules compiled = rules.rules();
    List<String> keys = compiled.attributeKeys();
    int index =
        compiled.samplingRuleIndex(span.name(), kind, attributes, (a, i) -> a.get(keys.get(i)));
    JsonNode sampling = canonical.get("sampling");
    Map<String, Object> decision = new LinkedHashMap<>();
    String name = null;
    if (index == CompiledRules.NO_MATCH) {
      decision.put("ratio", sampling.get("defaultRatio").asDouble());
      decision.put("defaultRatio", true);
    } else {
      JsonNode rule = sampling.get("rules").get(index);
      name = rule.get("name").asString();
      decision.put("ratio", rule.get("ratio").asDouble());
      if (rule.has("maxPerSecond")) {
        decision.put("maxPerSecond", rule.get("maxPerSecond").asInt());
      }
    }
    decision.put("respectParentDecision", sampling.get("respectParentDecision").asBoolean());
    return new Evaluation(
        service, rules.source(), rules.revision(), "span", name, decision, rules.draft());
  }

  private Evaluation call(String service, Subject rules, JsonNode canonical, CallInput call) {
    if (call.url() == null || call.url().isBlank()) {
      throw new ApiException(ProblemType.INVALID_REQUEST, "call.url is required");
    }
    URI uri;
    try {
      uri = URI.create(call.url().strip());
    } catch (IllegalArgumentException e) {
      throw new ApiException(ProblemType.INVALID_REQUEST, "call.url is not a URL");
    }
    CallTarget target = uri.getScheme() == null ? null : CallTarget.of(uri);
    if (target == null) {
      throw new ApiException(
          ProblemType.INVALID_REQUEST, "call.url must be absolute, e.g. http://payments:8080/pay");
    }
    String method = call.method() == null ? "GET" : call.method().toUpperCase(Locale.ROOT);
    int index =
        rules.rules().breakerPolicyIndex(target.host(), target.port(), method, target.path());
    if (index == CompiledRules.NO_MATCH) {
      return new Evaluation(
          service, rules.source(), rules.revision(), "call", null, null, rules.draft());
    }
    ObjectNode policy = ((ObjectNode) canonical.get("breakers").get(index)).deepCopy();
    String name = policy.get("name").asString();
    policy.remove("name");
    policy.remove("match");
    policy.put("key", "rule".equals(policy.path("scope").asString()) ? name : target.key());
    return new Evaluation(
        service, rules.source(), rules.revision(), "call", name, policy, rules.draft());
  }
}
