package io.sluice.rules;

/**
 * The columns, in UTF-16 code units as editors and the tree's problems count them, of byte offsets
 * in a UTF-8 text, asked for in increasing order. Each byte is read once over all the offsets asked
 * for: working out each column alone reads its line again, which for thousands of problems on one
 * long line (a minified document) is quadratic.
 */
final class Utf16Columns {

  private final byte[] text;
  private int at;
  private int column = 1;

  Utf16Columns(byte[] text) {
    this.text = text;
  }

  /**
   * The column of the byte at {@code offset} ({@code 0 <= offset <= text.length}); an offset before
   * the last one asked for starts again from the beginning.
   */
  int at(int offset) {
    if (offset < at) {
      at = 0;
      column = 1;
    }
    for (; at < offset; at++) {
      byte b = text[at];
      if (b == '\n' || b == '\r') {
        column = 1;
      } else if ((b & 0xC0) != 0x80) {
        // a byte that starts a character; one of four bytes is a character outside the BMP,
        // two UTF-16 code units
        column += (b & 0xF8) == 0xF0 ? 2 : 1;
      }
    }
    return column;
  }
}
