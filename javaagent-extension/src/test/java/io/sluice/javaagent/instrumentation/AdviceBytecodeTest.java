package io.sluice.javaagent.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ConstantDynamic;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import org.junit.jupiter.api.Test;

/**
 * Advice code is copied into the app's own classes, some of them Java 5 or 6 class files (Apache
 * HttpAsyncClient 4, Jetty's client, old OkHttp), which cannot hold an {@code invokedynamic}, a
 * call to an interface's static method, or a method handle constant. Byte Buddy then fails the
 * whole transformation, and the agent says so only at its debug level: the client goes unguarded
 * without a word. An advice method's string {@code +} or lambda is enough, so this reads every
 * advice method the build made and names each such instruction.
 */
class AdviceBytecodeTest {

  private static final String ENTER = Type.getDescriptor(Advice.OnMethodEnter.class);
  private static final String EXIT = Type.getDescriptor(Advice.OnMethodExit.class);

  @Test
  void noAdviceMethodHoldsAnInstructionAnOldClassFileCannotHold() throws Exception {
    Path classes = root(BreakerInstrumentationModule.class);
    List<String> adviceMethods = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes.resolve("io/sluice/javaagent"))) {
      files
          .filter(file -> file.toString().endsWith(".class"))
          .forEach(file -> read(file, adviceMethods, problems));
    }

    assertThat(adviceMethods)
        .as("advice methods found under %s", classes)
        .hasSizeGreaterThan(20)
        .anyMatch(method -> method.contains("UnguardedClientsInstrumentationModule$JettyAdvice"));
    assertThat(problems).isEmpty();
  }

  @Test
  void namesTheInstructionsOfAnAdviceMethodThatAnOldClassFileCannotHold() {
    List<String> adviceMethods = new ArrayList<>();
    List<String> problems = new ArrayList<>();

    read(classFile(ConcatenatingAdvice.class), adviceMethods, problems);
    read(classFile(PlainAdvice.class), adviceMethods, problems);

    assertThat(adviceMethods).hasSize(3);
    assertThat(problems)
        .hasSize(3)
        .anyMatch(p -> p.contains("ConcatenatingAdvice.enter") && p.contains("invokedynamic"))
        .anyMatch(p -> p.contains("ConcatenatingAdvice.enter") && p.contains("List.of"))
        .anyMatch(p -> p.contains("ConcatenatingAdvice.exit") && p.contains("invokedynamic"))
        .noneMatch(p -> p.contains("PlainAdvice"));
  }

  private static void read(Path file, List<String> adviceMethods, List<String> problems) {
    try (InputStream in = Files.newInputStream(file)) {
      new ClassReader(in).accept(new AdviceFinder(adviceMethods, problems), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The class path root {@code type} was loaded from: {@code target/classes} or test-classes. */
  private static Path root(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path classFile(Class<?> type) {
    return root(type).resolve(type.getName().replace('.', '/') + ".class");
  }

  /** Finds the advice methods of one class and what in them an old class file cannot hold. */
  private static final class AdviceFinder extends ClassVisitor {

    private final List<String> adviceMethods;
    private final List<String> problems;
    private String className;

    AdviceFinder(List<String> adviceMethods, List<String> problems) {
      super(Opcodes.ASM9);
      this.adviceMethods = adviceMethods;
      this.problems = problems;
    }

    @Override
    public void visit(
        int version, int access, String name, String sig, String superName, String[] interfaces) {
      className = Type.getObjectType(name).getClassName();
    }

    @Override
    public MethodVisitor visitMethod(
        int access, String name, String descriptor, String signature, String[] exceptions) {
      return new AdviceMethodChecker(className + "." + name, adviceMethods, problems);
    }
  }

  /**
   * Collects a method's offending instructions as it is read, and keeps them once the method's
   * annotations (read before its code, kept until its end) say it is advice.
   */
  private static final class AdviceMethodChecker extends MethodVisitor {

    private final String method;
    private final List<String> adviceMethods;
    private final List<String> problems;
    private final List<String> found = new ArrayList<>();
    private boolean advice;

    AdviceMethodChecker(String method, List<String> adviceMethods, List<String> problems) {
      super(Opcodes.ASM9);
      this.method = method;
      this.adviceMethods = adviceMethods;
      this.problems = problems;
    }

    @Override
    public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
      advice |= ENTER.equals(descriptor) || EXIT.equals(descriptor);
      return null;
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bsm, Object... args) {
      found.add(
          "invokedynamic " + name + " (bootstrap " + bsm.getOwner() + "." + bsm.getName() + ")");
    }

    @Override
    public void visitMethodInsn(
        int opcode, String owner, String name, String descriptor, boolean isInterface) {
      if (isInterface && opcode != Opcodes.INVOKEINTERFACE) {
        found.add("a call to the interface method " + simpleName(owner) + "." + name);
      }
    }

    @Override
    public void visitLdcInsn(Object value) {
      if (value instanceof Handle
          || value instanceof ConstantDynamic
          || (value instanceof Type type && type.getSort() == Type.METHOD)) {
        found.add("a constant of a kind Java 7 brought: " + value);
      }
    }

    @Override
    public void visitEnd() {
      if (advice) {
        adviceMethods.add(method);
        found.forEach(what -> problems.add(method + " holds " + what));
      }
    }

    private static String simpleName(String internalName) {
      return internalName.substring(internalName.lastIndexOf('/') + 1);
    }
  }

  @SuppressWarnings("unused")
  static final class ConcatenatingAdvice {

    private ConcatenatingAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This Object client) {
      System.getProperties().put("seen", List.of(client.getClass().getName() + " seen"));
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.This Object client) {
      System.getProperties().put("done", client + " done");
    }

    /** Not advice: what it holds is this class's own business. */
    static String helper(Object client) {
      return client + " helped";
    }
  }

  @SuppressWarnings("unused")
  static final class PlainAdvice {

    private PlainAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.This Object client) {
      System.getProperties().put("done", client.getClass().getName().concat(" done"));
    }
  }
}
