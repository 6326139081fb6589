package io.sluice.controlplane.rules;

import io.sluice.controlplane.ApiException;
import io.sluice.controlplane.ProblemType;
import java.util.Locale;
import org.springframework.http.MediaType;

/**
 * What the rule endpoints read as JSON, in one place: a PUT and the dry run accept different sets
 * of media types, but agree on which ones are JSON and that JSON is read as UTF-8.
 */
final class JsonMediaTypes {

  private JsonMediaTypes() {}

  /** {@code application/json} or {@code application/*+json}, wildcards not included. */
  static boolean isJson(MediaType type) {
    return !type.isWildcardType()
        && !type.isWildcardSubtype()
        && (type.isCompatibleWith(MediaType.APPLICATION_JSON)
            || (type.getType().equalsIgnoreCase("application")
                && type.getSubtype().toLowerCase(Locale.ROOT).endsWith("+json")));
  }

  /**
   * Refuses a charset other than UTF-8 (or its subset US-ASCII): the body is read as UTF-8, and
   * text in another encoding would be read wrongly.
   *
   * @param what what the body is, for the message ("the rule document")
   */
  static void requireUtf8(MediaType type, String what) {
    String charset = type.getParameter("charset");
    if (charset == null) {
      return;
    }
    String name = charset.replace("\"", "").strip().toLowerCase(Locale.ROOT);
    if (!name.equals("utf-8") && !name.equals("utf8") && !name.equals("us-ascii")) {
      throw new ApiException(
          ProblemType.UNSUPPORTED_MEDIA_TYPE,
          what + " is read as UTF-8 (JSON's encoding); send it as UTF-8, not " + charset);
    }
  }
}
