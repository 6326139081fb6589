package io.sluice.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class OneLineTextTest {

  @Test
  void refusesEveryBidirectionalControlAndLineSeparatorButNotTheirNeighbours() {
    int[] refused = {
      0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066,
      0x2067, 0x2068, 0x2069
    };
    for (int c : refused) {
      assertThat(OneLineText.problem("a" + (char) c))
          .as("U+%04X", c)
          .endsWith(String.format(Locale.ROOT, "(\\u%04x at character 2)", c));
    }
    // neighbours in the same blocks are text or formatting that reorders nothing
    int[] accepted = {0x061B, 0x200D, 0x2027, 0x202F, 0x2065, 0x206A, 0x00A0, 0xFEFF};
    for (int c : accepted) {
      assertThat(OneLineText.problem("a" + (char) c)).as("U+%04X", c).isNull();
    }
  }

  @Test
  void namesTheFirstForbiddenCharacterCountingCodePoints() {
    assertThat(OneLineText.problem("\ud83d\ude00\u2067x\n"))
        .isEqualTo("may not contain bidirectional controls (\\u2067 at character 2)");
    assertThat(OneLineText.problem("ab\tc\u202e"))
        .isEqualTo("may not contain control characters (\\u0009 at character 3)");
    assertThat(OneLineText.problem("x\u2029"))
        .isEqualTo("may not contain line or paragraph separators (\\u2029 at character 2)");
    assertThat(OneLineText.problem("caf\u00e9 \u05e9\u05dc\u05d5\u05dd")).isNull();
  }

  @Test
  void escapesWhatItForbidsAsJsonWritesIt() {
    assertThat(OneLineText.escape("a\u202eb\n\t\u0085\u2028\u061c"))
        .isEqualTo("a\\u202eb\\n\\t\\u0085\\u2028\\u061c");
    // everything else stays as written, a backslash and astral characters included
    String free = "caf\u00e9 \\u202e \ud83d\ude00 \u05e9\u200d'";
    assertThat(OneLineText.escape(free)).isSameAs(free);
  }

  @Test
  void escapesEveryCharacterItForbidsAndNoOther() {
    for (char c = 0; c < 0x3000; c++) {
      String escaped = OneLineText.escape(String.valueOf(c));
      if (OneLineText.problem(String.valueOf(c)) == null) {
        assertThat(escaped).as("U+%04X", (int) c).isEqualTo(String.valueOf(c));
      } else {
        String unicode = String.format(Locale.ROOT, "\\u%04x", (int) c);
        String json =
            "\b\t\n\f\r".indexOf(c) < 0 ? unicode : "\\" + "btnfr".charAt("\b\t\n\f\r".indexOf(c));
        assertThat(escaped).as("U+%04X", (int) c).isEqualTo(json);
        assertThat(OneLineText.problem(String.valueOf(c))).contains("(" + unicode + " at");
      }
    }
  }
}
