package io.sluice.rules;

import java.util.Locale;

/**
 * What text that is shown as one line, as it was written, may not contain: a rule's name, the globs
 * and attribute keys of its match here, and the control plane's history comments, which share this
 * one definition. The JSON Schema's patterns must repeat the list (a schema cannot call Java;
 * {@code RuleSchemaTest} checks they agree), and the web UI's {@code json-text.js} escapes the same
 * characters when it shows stored text.
 *
 * <p>Names and comments are printed in span attributes, metrics, rejections, log lines and the web
 * UI's tables. These characters would make what is shown differ from what is there:
 *
 * <ul>
 *   <li>control characters (U+0000 to U+001F, U+007F to U+009F): a line feed forges a line of its
 *       own, an ESC starts a terminal escape;
 *   <li>the line and paragraph separators U+2028 and U+2029, line breaks to browsers, editors and
 *       JavaScript although they are no control characters;
 *   <li>the bidirectional controls (Unicode's {@code Bidi_Control}: U+061C, U+200E, U+200F, U+202A
 *       to U+202E, U+2066 to U+2069), invisible, which reorder the text around them as it is
 *       displayed ("Trojan Source", CVE-2021-42574): a name can read as another name.
 * </ul>
 *
 * <p>Callers decide where the check applies: {@link RuleCodec#parseFor} holds names, globs and
 * attribute keys to it (a synthetic response's body, content rather than a line, stays free),
 * {@link RuleCodec#parse} does not, so rules stored before a character was refused stay readable.
 */
public final class OneLineText {

  private OneLineText() {}

  /**
   * Why {@code text} cannot be shown as one line as written, or {@code null} when it can: the first
   * character it may not contain and where, as <code>"may not contain bidirectional controls
   * (&#92;u202e at character 3)"</code>. The character is named by its <code>&#92;uXXXX</code>
   * escape, as control characters have always been reported (a line feed too: clients match on it).
   * The position counts code points from 1; the subject (a name, a header) is the caller's to put
   * in front.
   */
  public static String problem(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!forbidden(c)) {
        continue;
      }
      String what =
          Character.isISOControl(c)
              ? "control characters"
              : c == '\u2028' || c == '\u2029'
                  ? "line or paragraph separators"
                  : "bidirectional controls";
      return "may not contain "
          + what
          + " ("
          + unicodeEscape(c)
          + " at character "
          + (text.codePointCount(0, i) + 1)
          + ")";
    }
    return null;
  }

  /**
   * {@code text} with every character it may not contain as one line written as JSON writes it:
   * <code>&#92;b &#92;t &#92;n &#92;f &#92;r</code> for those five, <code>&#92;u202e</code> (four
   * lower-case hex digits) for the rest, everything else as it is. The one notation of messages,
   * error paths and logs that quote user-supplied text, so they stay on one line and read as what
   * is there; the web UI's {@code json-text.js} ({@code showHidden}) writes the same, as does its
   * editor. A backslash is left as it is: a caller whose text must be read back (a JSON path's
   * {@code ['key']}) escapes backslashes first.
   */
  public static String escape(String text) {
    int first = 0;
    while (first < text.length() && !forbidden(text.charAt(first))) {
      first++;
    }
    if (first == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (forbidden(c)) {
        out.append(escape(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String escape(char c) {
    return switch (c) {
      case '\b' -> "\\b";
      case '\t' -> "\\t";
      case '\n' -> "\\n";
      case '\f' -> "\\f";
      case '\r' -> "\\r";
      default -> unicodeEscape(c);
    };
  }

  private static String unicodeEscape(char c) {
    return String.format(Locale.ROOT, "\\u%04x", (int) c);
  }

  /**
   * Whether {@code c} may not appear in one line of text as written. All of these are in the Basic
   * Multilingual Plane, so a surrogate is never one of them.
   */
  static boolean forbidden(char c) {
    return Character.isISOControl(c)
        || c == '\u2028'
        || c == '\u2029'
        || c == '\u061C'
        || c == '\u200E'
        || c == '\u200F'
        || (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2066' && c <= '\u2069');
  }
}
