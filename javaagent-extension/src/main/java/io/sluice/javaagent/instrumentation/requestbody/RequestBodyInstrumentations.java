package io.sluice.javaagent.instrumentation.requestbody;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Builds the two instrumentations a client needs to tell the app's request body failing from the
 * target failing (see the package comment): a client module lists them with its own.
 */
public final class RequestBodyInstrumentations {

  private RequestBodyInstrumentations() {}

  /**
   * Notes what the app's body writers throw: methods {@code methods} of types {@code types} (which
   * may be app classes), in class loaders that see {@code clientClass}.
   */
  public static TypeInstrumentation writers(
      String clientClass,
      ElementMatcher<TypeDescription> types,
      ElementMatcher<MethodDescription> methods) {
    return new BodyWriterInstrumentation(clientClass, types, methods);
  }

  /**
   * Notes what the app's own code that a client runs for a request throws (its request
   * interceptors, run through the client's processor before the request is written) as the app's
   * failure, as a body writer's: methods {@code methods} of types {@code types}, in class loaders
   * that see {@code clientClass}.
   */
  public static TypeInstrumentation appHooks(
      String clientClass,
      ElementMatcher<TypeDescription> types,
      ElementMatcher<MethodDescription> methods) {
    return new BodyWriterInstrumentation(clientClass, types, methods);
  }

  /**
   * Notes the I/O failures of the client's own streams or sinks that carry a body to the
   * connection: methods {@code methods} of types {@code types}.
   */
  public static TypeInstrumentation transports(
      ElementMatcher<TypeDescription> types, ElementMatcher<MethodDescription> methods) {
    return new BodyTransportInstrumentation(types, methods);
  }
}
