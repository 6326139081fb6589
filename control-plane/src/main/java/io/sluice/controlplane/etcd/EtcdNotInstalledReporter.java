package io.sluice.controlplane.etcd;

import io.sluice.etcd.Causes;
import org.springframework.boot.SpringBootExceptionReporter;

/**
 * Turns a missing {@code etcd} binary into the one line the operator needs, instead of a stack
 * trace. Registered in {@code META-INF/spring.factories}.
 */
final class EtcdNotInstalledReporter implements SpringBootExceptionReporter {

  @Override
  public boolean reportException(Throwable failure) {
    for (Throwable t : Causes.of(failure)) {
      if (t instanceof EtcdNotInstalledException) {
        System.err.println(t.getMessage());
        return true;
      }
    }
    return false;
  }
}
