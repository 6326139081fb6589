package io.sluice.controlplane.web.ui;

import static io.sluice.controlplane.web.ui.Waits.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * Puts the one browser the UI tests share back on a clean page after a test that failed or left the
 * page dirty, so that one failing test stays one failure instead of timing out every test after it.
 *
 * <p>Why it is needed: the tests navigate by changing the address's {@code #/...} part, which
 * reaches the app's router, not the browser's unload. While the rules editor holds unsaved edits
 * the router keeps the page and opens the app's own modal {@code <dialog>} "Leave without saving?",
 * which also takes every click; a reload meets the app's {@code beforeunload} prompt instead. A
 * test that fails half-way through an edit therefore left every later test waiting in front of that
 * dialog.
 *
 * <p>What it does, after each test and only when needed, the way a user would: dismisses a
 * JavaScript alert, cancels any open dialog (leave, discard, roll back, delete: cancelling none of
 * them changes anything), discards the editor's unsaved edits with "Discard edits" and its
 * confirmation, and drops a draft the app kept in {@code sessionStorage} for the next sign-in. The
 * app's protection of unsaved edits is left as it is: it is only answered. If the test failed or
 * anything was dirty, it then reloads the same address, so the next test starts from a fresh page
 * (no scroll position, stubbed {@code fetch} or half-done view left over) where the previous test
 * left off. Every test of {@link WebUiIT} opens its own page, but it can open it only once nothing
 * blocks the way there. Each reset is logged with what was dirty.
 */
final class DirtyPageReset implements AfterEachCallback {

  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final String STORED_DRAFT = "sluice.drafts";

  private final Supplier<? extends WebDriver> browser;

  /** {@code browser} answers the shared browser, or null before it started. */
  DirtyPageReset(Supplier<? extends WebDriver> browser) {
    this.browser = browser;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    WebDriver driver = browser.get();
    if (driver == null) {
      return;
    }
    boolean failed = context.getExecutionException().isPresent();
    if (failed) {
      keepThePageAsItWas(driver, context.getRequiredTestMethod().getName());
    }
    List<String> dirt = new ArrayList<>();
    dismissAlert(driver, dirt);
    String url = driver.getCurrentUrl();
    if (url == null || !url.startsWith("http")) {
      // no page of the app opened yet (data:,), nothing of it to clean
      return;
    }
    cancelOpenDialogs(driver, dirt);
    boolean editsLeft = discardUnsavedEdits(driver, dirt);
    dropStoredDraft(driver, dirt);
    if (dirt.isEmpty() && !failed) {
      return;
    }
    String test = context.getRequiredTestMethod().getName();
    System.out.println(
        "[ui] "
            + test
            + (failed ? " failed and" : "")
            + (dirt.isEmpty() ? " left a clean page" : " left the page dirty: " + dirt)
            + "; "
            + (editsLeft
                ? "the editor still holds unsaved edits, the next test may be blocked by them"
                : "reloading " + url + " for the next test"));
    if (!editsLeft) {
      driver.navigate().refresh();
      awaitAppShown(driver);
    }
  }

  /**
   * Saves what the failed test left on screen, before anything is cleaned, beside the UI's other
   * screenshots: a failure seen only on a loaded CI machine can then be read from its artifacts.
   */
  private static void keepThePageAsItWas(WebDriver driver, String test) {
    try {
      Path shot =
          new Screenshots((TakesScreenshot) driver, Path.of("target", "screenshots"))
              .save("failed-" + test);
      System.out.println("[ui] " + test + " failed; the page it left: " + shot.toAbsolutePath());
    } catch (RuntimeException e) { // an open alert, a browser gone: the failure itself says more
      System.out.println("[ui] " + test + " failed; no screenshot of it: " + e);
    }
  }

  private static void dismissAlert(WebDriver driver, List<String> dirt) {
    try {
      Alert alert = driver.switchTo().alert();
      dirt.add("an alert '" + alert.getText() + "' (dismissed)");
      alert.dismiss();
    } catch (NoAlertPresentException e) {
      // the usual case
    }
  }

  /** Cancels open dialogs: the app's confirmations all have a Cancel that changes nothing. */
  private static void cancelOpenDialogs(WebDriver driver, List<String> dirt) {
    List<WebElement> open = driver.findElements(By.cssSelector("dialog[open]"));
    if (open.isEmpty()) {
      return; // the usual case: nothing to cancel, nor to wait for
    }
    for (WebElement dialog : open) {
      List<WebElement> title = dialog.findElements(By.cssSelector("h2"));
      dirt.add(
          "the dialog '"
              + (title.isEmpty() ? "(untitled)" : title.get(0).getText())
              + "' open (cancelled)");
      List<WebElement> cancel = dialog.findElements(By.cssSelector("[data-test=cancel]"));
      if (cancel.isEmpty()) {
        js(driver, "arguments[0].close();", dialog);
      } else {
        cancel.get(0).click();
      }
    }
    await("open dialogs to close")
        .atMost(BOUND)
        .until(() -> driver.findElements(By.cssSelector("dialog[open]")).isEmpty());
  }

  /**
   * Discards unsaved edits in the rules editor with its own button and confirmation; answers
   * whether edits are still there (no editor to discard them in).
   */
  private static boolean discardUnsavedEdits(WebDriver driver, List<String> dirt) {
    if (!refusesToUnload(driver)) {
      return false;
    }
    List<WebElement> rulesTab = driver.findElements(By.id("tab-rules"));
    if (!rulesTab.isEmpty() && !"true".equals(rulesTab.get(0).getAttribute("aria-selected"))) {
      clickInView(driver, rulesTab.get(0));
    }
    List<WebElement> discard = driver.findElements(By.cssSelector("[data-test=discard]"));
    if (discard.isEmpty() || !discard.get(0).isDisplayed()) {
      dirt.add("unsaved edits with no 'Discard edits' button in reach");
      return true;
    }
    dirt.add("unsaved edits in the rules editor (discarded)");
    clickInView(driver, discard.get(0));
    await("the discard confirmation")
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () -> driver.findElement(By.cssSelector("dialog[open] [data-test=confirm]")),
            e -> e != null)
        .click();
    await("the editor to hold no unsaved edits")
        .atMost(BOUND)
        .until(() -> !refusesToUnload(driver));
    return false;
  }

  private static void dropStoredDraft(WebDriver driver, List<String> dirt) {
    Object kept = js(driver, "return sessionStorage.getItem(arguments[0]);", STORED_DRAFT);
    if (kept != null) {
      dirt.add("a draft kept in sessionStorage for the next sign-in (removed)");
      js(driver, "sessionStorage.removeItem(arguments[0]);", STORED_DRAFT);
    }
  }

  /** The app's own "unsaved edits" signal: its beforeunload handler refuses. */
  private static boolean refusesToUnload(WebDriver driver) {
    return Boolean.TRUE.equals(
        js(
            driver,
            "const e = new Event('beforeunload', {cancelable: true});"
                + " window.dispatchEvent(e); return e.defaultPrevented;"));
  }

  /** A sticky top bar can cover an element scrolled just into view: centre it first. */
  private static void clickInView(WebDriver driver, WebElement element) {
    js(driver, "arguments[0].scrollIntoView({block: 'center'});", element);
    element.click();
  }

  /** The reloaded page shows the sign-in form, or the role badge once the token is accepted. */
  private static void awaitAppShown(WebDriver driver) {
    await("the reloaded page to show the app")
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                Boolean.TRUE.equals(
                    js(
                        driver,
                        "return document.readyState === 'complete'"
                            + " && (document.getElementById('token') !== null"
                            + " || document.querySelector('[data-test=role]') !== null);")));
  }

  private static Object js(WebDriver driver, String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }
}
