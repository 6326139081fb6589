package io.sluice.demo.deploy;

import com.google.gson.Gson;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads an Envoy YAML config the way Envoy does, against Envoy's own v3 API (the protos of {@code
 * io.envoyproxy.controlplane:api}): YAML to JSON, then protobuf's strict JSON parser into a {@link
 * Bootstrap}. Unknown fields, bad enum values and unknown {@code @type}s (also inside nested {@code
 * Any}) are errors, as they are for Envoy.
 *
 * <p>Every {@code @type} the config names is resolved to its generated Java class ({@code envoy.} →
 * {@code io.envoyproxy.envoy.}, {@code xds.} → {@code com.github.xds.}, {@code udpa.} → {@code
 * com.github.udpa.udpa.}) and registered; a type without a class stays unregistered, so the parser
 * rejects it with its name.
 */
final class EnvoyBootstrap {
  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  private EnvoyBootstrap() {}

  static Bootstrap parse(String yaml) throws InvalidProtocolBufferException {
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    if (!(tree instanceof Map)) {
      throw new InvalidProtocolBufferException("an Envoy config is a YAML mapping, was: " + tree);
    }
    JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
    for (String typeUrl : typeUrls(tree, new LinkedHashSet<>())) {
      Descriptor descriptor = descriptorOf(typeUrl);
      if (descriptor != null) {
        registry.add(descriptor);
      }
    }
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(registry.build())
        .merge(new Gson().toJson(tree), bootstrap);
    return bootstrap.build();
  }

  /** Every {@code @type} value anywhere in the tree. */
  static Set<String> typeUrls(Object node, Set<String> found) {
    if (node instanceof Map<?, ?> map) {
      Object type = map.get("@type");
      if (type instanceof String url) {
        found.add(url);
      }
      map.values().forEach(value -> typeUrls(value, found));
    } else if (node instanceof List<?> list) {
      list.forEach(value -> typeUrls(value, found));
    }
    return found;
  }

  private static Descriptor descriptorOf(String typeUrl) {
    if (!typeUrl.startsWith(TYPE_URL_PREFIX)) {
      return null;
    }
    String protoName = typeUrl.substring(TYPE_URL_PREFIX.length());
    String className;
    if (protoName.startsWith("envoy.")) {
      className = "io.envoyproxy." + protoName;
    } else if (protoName.startsWith("xds.")) {
      className = "com.github." + protoName;
    } else if (protoName.startsWith("udpa.")) {
      className = "com.github.udpa." + protoName;
    } else if (protoName.startsWith("google.protobuf.")) {
      className = "com.google.protobuf." + protoName.substring("google.protobuf.".length());
    } else {
      return null;
    }
    try {
      Class<?> type = Class.forName(className);
      Descriptor descriptor = (Descriptor) type.getMethod("getDescriptor").invoke(null);
      return descriptor.getFullName().equals(protoName) ? descriptor : null;
    } catch (ReflectiveOperationException | ClassCastException unknown) {
      return null;
    }
  }
}
