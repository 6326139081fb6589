package io.sluice.controlplane.web.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps every line of the web UI's own files (the {@code .js}, {@code .css}, {@code .html} and
 * {@code .svg} under {@code src/main/resources/static}) within 100 columns, as google-java-format
 * keeps the Java code: the UI has no build step and no formatter, so nothing else notices a line
 * that runs over, and such lines make the files hard to review side by side. Reads the source tree
 * (the module's directory is the working directory under Surefire) and lists every line over at
 * once, as {@code file:line (columns)}.
 */
class UiFilesLineLengthTest {

  private static final int MAX_COLUMNS = 100;

  private static final Path STATIC = Path.of("src", "main", "resources", "static");

  /**
   * Lines that may run over 100 columns, each given by its file (relative to {@code static/}) and a
   * text the line holds: only a URL or a data URI, which cannot be split without changing it.
   * Empty: no line of the UI needs it today.
   */
  private static final Set<MayRunOver> MAY_RUN_OVER = Set.of();

  /** A line of {@code file} (relative to {@code static/}) holding {@code text} may run over. */
  private record MayRunOver(String file, String text) {}

  @Test
  void everyLineOfTheUisFilesFitsInOneHundredColumns() throws IOException {
    List<Path> files = uiFiles();
    assertThat(files)
        .as("the UI's .js, .css, .html and .svg files under %s", STATIC.toAbsolutePath())
        .anyMatch(file -> file.endsWith("index.html"))
        .anyMatch(file -> file.toString().endsWith(".css"))
        .anyMatch(file -> file.toString().endsWith(".js"))
        .anyMatch(file -> file.toString().endsWith(".svg"));
    List<String> over = new ArrayList<>();
    for (Path file : files) {
      String name = STATIC.relativize(file).toString().replace('\\', '/');
      over.addAll(linesOver(name, Files.readAllLines(file, StandardCharsets.UTF_8), MAY_RUN_OVER));
    }
    // concatenated, not %d: a run in a locale with other digits would say "over ١٠٠ columns"
    assertThat(over)
        .as("lines of %s over " + MAX_COLUMNS + " columns (reflow them)", STATIC)
        .isEmpty();
  }

  @Test
  void listsEachLineOverWithItsFileAndNumberUnlessItsUrlIsAllowed() {
    String url = "https://example.org/" + "a".repeat(MAX_COLUMNS);
    List<String> lines =
        List.of(
            "x".repeat(MAX_COLUMNS),
            "y".repeat(MAX_COLUMNS + 1),
            "  background: url(" + url + ");",
            "  mask: url(" + url + "/other);");

    assertThat(linesOver("css/app.css", lines, Set.of()))
        .containsExactly(
            "css/app.css:2 (101 columns)",
            "css/app.css:3 (" + lines.get(2).length() + " columns)",
            "css/app.css:4 (" + lines.get(3).length() + " columns)");
    Set<MayRunOver> allowed = Set.of(new MayRunOver("css/app.css", "url(" + url + ")"));
    assertThat(linesOver("css/app.css", lines, allowed))
        .as("only the line holding the allowed URL itself, and only in its file")
        .containsExactly(
            "css/app.css:2 (101 columns)", "css/app.css:4 (" + lines.get(3).length() + " columns)");
    assertThat(linesOver("js/app.js", lines, allowed)).hasSize(3);
  }

  @Test
  void countsCharactersAsShownNotUtf16Units() {
    String emoji = "\uD83D\uDE00";
    assertThat(linesOver("index.html", List.of(emoji.repeat(MAX_COLUMNS)), Set.of())).isEmpty();
    assertThat(linesOver("index.html", List.of(emoji.repeat(MAX_COLUMNS + 1)), Set.of()))
        .containsExactly("index.html:1 (101 columns)");
  }

  /**
   * The lines of {@code file} longer than {@link #MAX_COLUMNS} characters (code points), as {@code
   * file:line (columns)}, but those holding a text {@code allowed} lists for that file.
   */
  private static List<String> linesOver(String file, List<String> lines, Set<MayRunOver> allowed) {
    List<String> over = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int columns = line.codePointCount(0, line.length());
      if (columns > MAX_COLUMNS && !isAllowed(file, line, allowed)) {
        over.add(file + ":" + (i + 1) + " (" + columns + " columns)");
      }
    }
    return over;
  }

  private static boolean isAllowed(String file, String line, Set<MayRunOver> allowed) {
    return allowed.stream()
        .anyMatch(entry -> entry.file().equals(file) && line.contains(entry.text()));
  }

  private static List<Path> uiFiles() throws IOException {
    assertThat(STATIC)
        .as("the UI's source folder, from the control-plane module's directory")
        .isDirectory();
    try (Stream<Path> all = Files.walk(STATIC)) {
      return all.filter(Files::isRegularFile)
          .filter(file -> file.toString().matches(".*\\.(js|css|html|svg)$"))
          .sorted()
          .toList();
    }
  }
}
