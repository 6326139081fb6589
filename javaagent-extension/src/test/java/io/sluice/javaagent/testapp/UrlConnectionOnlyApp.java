package io.sluice.javaagent.testapp;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.concurrent.TimeUnit;

/**
 * An app that needs nothing beyond {@code java.base}: it says whether the {@code java.net.http}
 * module is there, then calls its one argument's URL with {@link HttpURLConnection} until a call
 * fails with a Sluice breaker's rejection (then prints {@code REJECTED} and the message) or 30
 * seconds passed (then {@code NEVER REJECTED}): the agent applies its rules file in the background,
 * so the first calls may go out before a breaker exists. Runs on a JVM whose modules are limited,
 * where the test app, which uses the JDK's HTTP client, cannot.
 */
public final class UrlConnectionOnlyApp {

  private UrlConnectionOnlyApp() {}

  public static void main(String[] args) throws IOException {
    boolean jdkHttp = ModuleLayer.boot().findModule("java.net.http").isPresent();
    System.out.println("java.net.http: " + (jdkHttp ? "present" : "absent"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int calls = 0;
    while (System.nanoTime() - deadline < 0) {
      calls++;
      HttpURLConnection connection = (HttpURLConnection) new URL(args[0]).openConnection();
      try {
        connection.getResponseCode();
      } catch (IOException e) {
        if (String.valueOf(e.getMessage()).contains("Sluice circuit breaker")) {
          System.out.println("REJECTED " + e.getMessage());
          return;
        }
      } finally {
        connection.disconnect();
      }
    }
    System.out.println("NEVER REJECTED after " + calls + " calls");
  }
}
