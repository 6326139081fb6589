/**
 * Telling the app's request body failing from the target failing, for the clients whose app code
 * writes the body into a stream or sink the client hands it (OkHttp's {@code RequestBody#writeTo},
 * Apache HttpClient's {@code HttpEntity#writeTo}).
 *
 * <p>Two instrumentations per client, built with {@link
 * io.sluice.javaagent.instrumentation.requestbody.RequestBodyInstrumentations}: one on the client's
 * own stream or sink classes that carry the body to the connection (what they throw is the target's
 * I/O), one on the body writers (what they throw is the app's, unless it is or wraps such an I/O
 * failure). Both only note failures in the bootstrap bridge's {@code RequestBodyFailures}; the
 * call's outcome asks it when the call fails, and a call whose failure is the app's body counts
 * neither way.
 */
package io.sluice.javaagent.instrumentation.requestbody;
