package io.sluice.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Reads a number that a document writes as other than 0 but that a double holds as 0 ({@code
 * 1e-400}) as a {@link BigDecimal}, so the tree keeps it as a {@code DecimalNode} where every other
 * number with a fraction or an exponent is a double: the reader can then refuse it ({@link
 * DocumentReader}) instead of silently reading 0, as it refuses one past the range of a double
 * ({@code 1e400}, which a double holds as infinity).
 *
 * <p>The tree's deserializer asks the parser which type a number with a fraction has; this parser
 * answers {@code BIG_DECIMAL} for such a number only, so reading a valid document costs one
 * comparison per number with a fraction.
 */
final class TinyNumbersKept extends JsonParserDelegate {

  TinyNumbersKept(JsonParser parser) {
    super(parser);
  }

  @Override
  public NumberTypeFP getNumberTypeFP() throws IOException {
    return isTiny() ? NumberTypeFP.BIG_DECIMAL : super.getNumberTypeFP();
  }

  @Override
  public NumberType getNumberType() throws IOException {
    return isTiny() ? NumberType.BIG_DECIMAL : super.getNumberType();
  }

  @Override
  public BigDecimal getDecimalValue() throws IOException {
    try {
      return super.getDecimalValue();
    } catch (NumberFormatException e) {
      if (!isTiny()) {
        throw e;
      }
      // an exponent past what a BigDecimal holds (1e-99999999999): as near 0 as one can be
      return new BigDecimal(
          BigInteger.valueOf(getText().startsWith("-") ? -1 : 1), Integer.MAX_VALUE);
    }
  }

  /** Whether the current token is a number other than 0 that a double holds as 0. */
  private boolean isTiny() throws IOException {
    if (currentToken() != JsonToken.VALUE_NUMBER_FLOAT || getDoubleValue() != 0) {
      return false;
    }
    // 0 as a double: other than 0 when a digit before the exponent is
    String text = getText();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 'e' || c == 'E') {
        return false;
      }
      if (c >= '1' && c <= '9') {
        return true;
      }
    }
    return false;
  }
}
