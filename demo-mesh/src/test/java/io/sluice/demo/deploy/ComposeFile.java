package io.sluice.demo.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code docker-compose.yml} as SnakeYAML reads it (anchors and {@code <<} merge keys resolved),
 * with typed access to the parts the static tests check.
 */
final class ComposeFile {
  private static final Pattern PORT =
      Pattern.compile("(?:(?<ip>[0-9.]+):)?(?<host>\\d+):(?<container>\\d+)(?:/(?:tcp|udp))?");

  private final Map<String, Object> root;

  private ComposeFile(Map<String, Object> root) {
    this.root = root;
  }

  static ComposeFile load(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  @SuppressWarnings("unchecked")
  static ComposeFile parse(String yaml) {
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    if (!(tree instanceof Map)) {
      throw new IllegalArgumentException("a compose file is a YAML mapping");
    }
    return new ComposeFile((Map<String, Object>) tree);
  }

  Map<String, Service> services() {
    Map<String, Service> services = new LinkedHashMap<>();
    map(root.get("services"))
        .forEach((name, body) -> services.put(name, new Service(name, map(body))));
    return services;
  }

  Service service(String name) {
    Service service = services().get(name);
    if (service == null) {
      throw new AssertionError("docker-compose.yml has no service '" + name + "'");
    }
    return service;
  }

  Map<String, Object> volumes() {
    return map(root.get("volumes"));
  }

  /** A published port: {@code [ip:]host:container}. */
  record PublishedPort(String ip, int hostPort, int containerPort) {}

  /** One service's definition. */
  record Service(String name, Map<String, Object> body) {
    String image() {
      return (String) body.get("image");
    }

    Map<String, Object> build() {
      Object build = body.get("build");
      if (build instanceof String context) {
        return Map.of("context", context);
      }
      return map(build);
    }

    /** The command as a list (a string command is split on spaces). */
    List<String> command() {
      Object command = body.get("command");
      if (command instanceof String text) {
        return List.of(text.trim().split("\\s+"));
      }
      List<String> args = new ArrayList<>();
      if (command instanceof List<?> list) {
        list.forEach(arg -> args.add(String.valueOf(arg)));
      }
      return args;
    }

    /** The value after {@code --name} in the command, or {@code null}. */
    String flag(String name) {
      List<String> command = command();
      for (int i = 0; i < command.size(); i++) {
        if (command.get(i).equals("--" + name) && i + 1 < command.size()) {
          return command.get(i + 1);
        }
        if (command.get(i).startsWith("--" + name + "=")) {
          return command.get(i).substring(name.length() + 3);
        }
      }
      return null;
    }

    Map<String, String> environment() {
      Map<String, String> environment = new LinkedHashMap<>();
      Object raw = body.get("environment");
      if (raw instanceof List<?> list) {
        for (Object entry : list) {
          String[] pair = String.valueOf(entry).split("=", 2);
          environment.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
      } else {
        map(raw).forEach((key, value) -> environment.put(key, String.valueOf(value)));
      }
      return environment;
    }

    /** Each dependency with its condition ({@code service_started} for the short form). */
    Map<String, String> dependsOn() {
      Map<String, String> dependencies = new LinkedHashMap<>();
      Object raw = body.get("depends_on");
      if (raw instanceof List<?> list) {
        list.forEach(name -> dependencies.put(String.valueOf(name), "service_started"));
      } else {
        map(raw)
            .forEach(
                (name, spec) ->
                    dependencies.put(
                        name,
                        String.valueOf(map(spec).getOrDefault("condition", "service_started"))));
      }
      return dependencies;
    }

    List<PublishedPort> ports() {
      List<PublishedPort> ports = new ArrayList<>();
      Object raw = body.get("ports");
      if (raw instanceof List<?> list) {
        for (Object entry : list) {
          Matcher matcher = PORT.matcher(String.valueOf(entry));
          if (!matcher.matches()) {
            throw new AssertionError(name + ": port '" + entry + "' is not [ip:]host:container");
          }
          ports.add(
              new PublishedPort(
                  matcher.group("ip"),
                  Integer.parseInt(matcher.group("host")),
                  Integer.parseInt(matcher.group("container"))));
        }
      }
      return ports;
    }

    /** The health check's test as one string, or {@code null} when there is none. */
    String healthCheck() {
      Object test = map(body.get("healthcheck")).get("test");
      if (test instanceof List<?> list) {
        return String.join(" ", list.stream().map(String::valueOf).toList());
      }
      return test == null ? null : String.valueOf(test);
    }

    /** The names this service answers to on the {@code default} network beside its own. */
    List<String> networkAliases() {
      Object networks = body.get("networks");
      if (!(networks instanceof Map<?, ?> byName)
          || !(byName.get("default") instanceof Map<?, ?> network)
          || !(network.get("aliases") instanceof List<?> aliases)) {
        return List.of();
      }
      return aliases.stream().map(String::valueOf).toList();
    }

    String networkMode() {
      return (String) body.get("network_mode");
    }

    List<String> volumes() {
      List<String> volumes = new ArrayList<>();
      Object raw = body.get("volumes");
      if (raw instanceof List<?> list) {
        list.forEach(volume -> volumes.add(String.valueOf(volume)));
      }
      return volumes;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map ? (Map<String, Object>) value : Map.of();
  }
}
