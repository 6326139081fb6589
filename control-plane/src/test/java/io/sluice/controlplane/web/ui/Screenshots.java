package io.sluice.controlplane.web.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;

/**
 * Saves screenshots of the UI as build artifacts under {@code control-plane/target/screenshots/},
 * so a reviewer can see each main page without running it.
 */
final class Screenshots {

  private final TakesScreenshot browser;
  private final Path directory;

  Screenshots(TakesScreenshot browser, Path directory) {
    this.browser = browser;
    this.directory = directory;
  }

  /** Saves the current viewport as {@code name.png} and answers its path. */
  Path save(String name) {
    try {
      Files.createDirectories(directory);
      Path target = directory.resolve(name + ".png");
      Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(shot);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("could not save screenshot " + name, e);
    }
  }
}
