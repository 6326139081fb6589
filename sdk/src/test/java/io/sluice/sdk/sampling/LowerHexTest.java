package io.sluice.sdk.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every character, not only the hex digits, is told as the W3C trace context defines a digit. */
class LowerHexTest {

  @Test
  void onlyDigitsAndLowercaseLettersUpToFAreHexDigits() {
    for (int c = Character.MIN_VALUE; c <= Character.MAX_VALUE; c++) {
      int expected = "0123456789abcdef".indexOf(c);
      assertThat(LowerHex.digit((char) c)).as("character %04x", c).isEqualTo(expected);
    }
  }
}
