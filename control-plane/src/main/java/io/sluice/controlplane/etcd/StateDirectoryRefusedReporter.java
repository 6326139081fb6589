package io.sluice.controlplane.etcd;

import io.sluice.etcd.Causes;
import org.springframework.boot.SpringBootExceptionReporter;

/**
 * Turns a state directory the embedded etcd may not use ({@link StateDirectoryRefusedException})
 * into the one line that names the directory, what is wrong and {@code sluice.state.dir}, instead
 * of a stack trace through the bean that starts the embedded etcd. Registered in {@code
 * META-INF/spring.factories}.
 */
final class StateDirectoryRefusedReporter implements SpringBootExceptionReporter {

  @Override
  public boolean reportException(Throwable failure) {
    for (Throwable t : Causes.of(failure)) {
      if (t instanceof StateDirectoryRefusedException) {
        System.err.println(t.getMessage());
        return true;
      }
    }
    return false;
  }
}
