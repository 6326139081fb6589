package io.sluice.testfixture;

import java.util.function.Supplier;

/** A class of "Sluice's runtime" for {@code RuntimeLoaderTest}: loaded there from a test jar. */
public final class RuntimeGreeting implements Supplier<String> {

  @Override
  public String get() {
    return "hello from " + RuntimeGreetingHelper.name();
  }
}
