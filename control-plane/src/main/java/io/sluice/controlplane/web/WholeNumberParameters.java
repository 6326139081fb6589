package io.sluice.controlplane.web;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Reads whole-number parameters ({@code ?to=}, {@code ?before=}, {@code ?limit=}, a revision in the
 * path) as digits 0-9 only: no sign, no other script's digits. Spring's own reading drops every
 * space ({@code 1 2} is 12) and takes hex ({@code 0x10} is 16): {@code rollback?to=0x10} rolled
 * back to a revision the client never wrote out. Anything else fails to convert, and {@link
 * ProblemAdvice} says what was expected.
 *
 * <p>Editors, not converters: Spring falls back to its lenient default editor when a converter
 * fails, but never past a custom editor. An empty value stays "not given", as with Spring's.
 */
@ControllerAdvice
class WholeNumberParameters {

  @InitBinder
  void decimalDigitsOnly(WebDataBinder binder) {
    // an editor holds state: a new one for each binder, which serves one request
    binder.registerCustomEditor(Long.class, new Digits(Long::valueOf));
    binder.registerCustomEditor(long.class, new Digits(Long::valueOf));
    binder.registerCustomEditor(Integer.class, new Digits(Integer::valueOf));
    binder.registerCustomEditor(int.class, new Digits(Integer::valueOf));
  }

  /**
   * Parses digits 0-9 alone with {@link Long#parseLong} or {@link Integer#parseInt}, which would
   * also take a sign and other scripts' digits ({@code ٤٢} is 42): no parameter is negative, the
   * server writes revisions in 0-9 only, and {@code If-Match} takes no other form either.
   */
  private static final class Digits extends PropertyEditorSupport {
    private final Function<String, Number> parse;

    Digits(Function<String, Number> parse) {
      this.parse = parse;
    }

    @Override
    public void setAsText(String text) {
      if (text == null || text.isEmpty()) {
        setValue(null);
        return;
      }
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c < '0' || c > '9') {
          throw new IllegalArgumentException("not digits 0-9");
        }
      }
      setValue(parse.apply(text));
    }
  }
}
