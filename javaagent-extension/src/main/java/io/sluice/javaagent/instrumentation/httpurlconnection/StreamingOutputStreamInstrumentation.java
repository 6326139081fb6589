package io.sluice.javaagent.instrumentation.httpurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Tells a streaming request's call what its body's stream throws: the JDK's {@code
 * sun.net.www.protocol.http.HttpURLConnection$StreamingOutputStream}, which {@code getOutputStream}
 * returns under {@code setChunkedStreamingMode} or {@code setFixedLengthStreamingMode}. Its bytes
 * go to the socket as the app writes them, so a server that stops reading fails a {@code write},
 * and the app may give up there without ever reading a response: that failure is the call's outcome
 * ({@link HttpUrlConnectionCalls#writeFailed}). Closing a fixed-length body the app did not finish
 * throws too: abandoned ({@link HttpUrlConnectionCalls#closeFailed}).
 *
 * <p>The stream reaches its connection through the inner class's {@code this$0} field (in JDK 17
 * through 25). The JDK's socket stream is a {@code PrintStream}, which swallows I/O errors: the
 * stream throws on the next {@code write} after the failed one, which is when the app hears of it.
 */
final class StreamingOutputStreamInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("sun.net.www.protocol.http.HttpURLConnection$StreamingOutputStream");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String advice = StreamingOutputStreamInstrumentation.class.getName();
    // write(byte[]) calls write(byte[], int, int)
    transformer.applyAdviceToMethod(
        named("write").and(isPublic()).and(takesArguments(int.class)), advice + "$WriteAdvice");
    transformer.applyAdviceToMethod(
        named("write").and(isPublic()).and(takesArguments(byte[].class, int.class, int.class)),
        advice + "$WriteAdvice");
    transformer.applyAdviceToMethod(
        named("close").and(isPublic()).and(takesArguments(0)), advice + "$CloseAdvice");
  }

  @SuppressWarnings("unused")
  static final class WriteAdvice {

    private WriteAdvice() {}

    /**
     * Whether the stream is still open and unfailed: a write to a closed or failed stream is the
     * app's mistake, or repeats a failure already told.
     */
    @Advice.OnMethodEnter(suppress = Throwable.class)
    static boolean enter(
        @Advice.FieldValue("closed") boolean closed, @Advice.FieldValue("error") boolean error) {
      return !closed && !error;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("this$0") HttpURLConnection connection,
        @Advice.Enter boolean open,
        @Advice.FieldValue("expected") long expected,
        @Advice.FieldValue("written") long written,
        @Advice.Thrown Throwable thrown) {
      if (open && thrown != null) {
        HttpUrlConnectionCalls.writeFailed(connection, expected, written, thrown);
      }
    }
  }

  @SuppressWarnings("unused")
  static final class CloseAdvice {

    private CloseAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(
        @Advice.FieldValue("this$0") HttpURLConnection connection,
        @Advice.FieldValue("expected") long expected,
        @Advice.FieldValue("written") long written,
        @Advice.Thrown Throwable thrown) {
      if (thrown != null) {
        HttpUrlConnectionCalls.closeFailed(connection, expected, written, thrown);
      }
    }
  }
}
