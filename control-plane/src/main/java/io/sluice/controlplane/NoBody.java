package io.sluice.controlplane;

import io.sluice.rules.OneLineText;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses a request body with content on a call that takes none (a rollback, minting an event
 * stream ticket): 415 {@code unsupported-media-type}, whatever its type says, rather than a body
 * ignored or read. A client that sent one meant something by it (a revision, a caller, an expiry)
 * that the call would not have done. An empty body, of any type and however framed (no body, {@code
 * Content-Length: 0}, or chunked with no data), holds nothing and is no body.
 */
public final class NoBody {

  private NoBody() {}

  /**
   * Refuses {@code body} if it has content. Reads at most one byte: that is enough to tell, and the
   * rest is never looked at.
   *
   * @param body the request's body
   * @param contentType the request's {@code Content-Type}, named in the problem's detail, or {@code
   *     null}
   * @param takesNone how the detail begins: what takes no body, and what to send instead
   * @throws ApiException 415 when the body has content
   */
  public static void require(InputStream body, String contentType, String takesNone)
      throws IOException {
    if (body.read() < 0) {
      return;
    }
    throw new ApiException(
        ProblemType.UNSUPPORTED_MEDIA_TYPE,
        takesNone
            + " (this request has "
            + (contentType == null || contentType.isBlank()
                ? "one"
                : "a body of type " + OneLineText.escape(contentType.strip()))
            + ")");
  }
}
