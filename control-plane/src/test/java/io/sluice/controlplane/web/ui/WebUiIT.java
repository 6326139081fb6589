package io.sluice.controlplane.web.ui;

import static io.sluice.controlplane.web.ui.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.controlplane.ControlPlaneApplication;
import io.sluice.controlplane.TomcatBaseDirs;
import io.sluice.controlplane.history.HistoryAction;
import io.sluice.controlplane.history.HistoryCodec;
import io.sluice.controlplane.history.HistoryEntry;
import io.sluice.controlplane.web.OpenEventStreams;
import io.sluice.rules.wire.AgentStatus;
import io.sluice.rules.wire.AgentStatusCodec;
import io.sluice.testing.etcd.EtcdExtension;
import io.sluice.testing.etcd.EtcdServer;
import io.sluice.testing.net.HeldPort;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.ElementClickInterceptedException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The web UI in a real headless Chromium against the real control plane (random port) on a real
 * etcd, with a real {@code sdk} rule source and status reporter as the agent. The class shares one
 * browser and one control plane, and nothing else: each test writes the rule documents it needs
 * through the REST API under service names of its own, starts the agents it needs and opens its
 * page signed in as it needs ({@link #open}), so any test run alone gives the result it gives in
 * the class, in any order. Screenshots of each main page land in {@code target/screenshots/}.
 *
 * <p>The application starts with {@link SpringApplicationBuilder} on a free port rather than with
 * {@code @SpringBootTest}: Spring Framework 7's JUnit extension needs JUnit 6, and the reactor is
 * specified on JUnit 5.
 */
class WebUiIT {

  static final String WRITER_TOKEN = "writer-token-for-the-ui-test-0123456789";
  static final String OTHER_WRITER_TOKEN = "second-writer-token-for-the-ui-test-987";
  static final String READER_TOKEN = "reader-token-for-the-ui-test-abcdefghij";
  static final String XSS = "<img src=x onerror=alert(1)>";
  private static final Duration BOUND = Duration.ofSeconds(30);

  /**
   * How long a page must stay quiet after what could have made it speak (a closed page's late
   * refusal or failure), for a check that it says nothing.
   */
  private static final Duration QUIET_FOR = Duration.ofSeconds(2);

  /**
   * The bound of such a check: with {@code failFast} on what must not be said, any sighting fails
   * it at once, so a longer bound only gives a loaded machine's slow polls room, and cannot let a
   * message that shows and goes again pass (without {@code failFast}, awaitility's {@code during}
   * would start over after it and pass once the message had gone).
   */
  private static final Duration QUIET_WITHIN = Duration.ofSeconds(15);

  private static final Pattern ZERO_RATIO = Pattern.compile("\"ratio\": 0(?![.\\d])");
  private static final String EVENTS = "/api/v1/events";
  private static final String WHOAMI = "/api/v1/whoami";

  @RegisterExtension static final EtcdExtension etcd = new EtcdExtension();

  /** One failing test stays one failure: the next one starts from a clean page. */
  @RegisterExtension final DirtyPageReset dirtyPageReset = new DirtyPageReset(() -> browser);

  private static ChromeDriver browser;
  private static Screenshots screenshots;
  private static final HttpClient http = HttpClient.newHttpClient();
  private static ConfigurableApplicationContext controlPlane;
  private static int port;

  /** A second control plane, under a context path ({@link #worksUnderAServletContextPath}). */
  private static ConfigurableApplicationContext prefixedControlPlane;

  /** How each request for the event stream carried its credential ({@link EventStreamRequests}). */
  private static final Queue<String> eventStreamRequests = new ConcurrentLinkedQueue<>();

  /** The agents the running test started ({@link #startAgent}), stopped after it. */
  private static final List<SdkAgent> testAgents = new ArrayList<>();

  /** The agents' last-known-good directories; JUnit deletes them after the class. */
  @TempDir static Path agentState;

  @BeforeAll
  static void startControlPlaneAndBrowser(@TempDir Path chromiumProfile) throws Exception {
    controlPlane =
        new SpringApplicationBuilder(ControlPlaneApplication.class)
            .initializers(WebUiIT::recordEventStreamRequests)
            .run(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--server.tomcat.basedir=" + TomcatBaseDirs.next(),
                "--sluice.etcd.endpoints=" + etcd.endpoint(),
                "--sluice.security.tokens.alice.token=" + WRITER_TOKEN,
                "--sluice.security.tokens.alice.role=writer",
                "--sluice.security.tokens.bob.token=" + OTHER_WRITER_TOKEN,
                "--sluice.security.tokens.bob.role=writer",
                "--sluice.security.tokens.rita.token=" + READER_TOKEN,
                "--sluice.security.tokens.rita.role=reader",
                // a stream the browser closed is seen at the next writes: within a second
                // (aPageInTheBackForwardCacheHoldsNoEventStream counts the open ones)
                "--sluice.events.keep-alive=250ms");
    port = ((WebServerApplicationContext) controlPlane).getWebServer().getPort();
    // Debian's chromium and chromium-driver by default; elsewhere point at them with
    // -Dsluice.test.chromium=... and -Dwebdriver.chrome.driver=...
    String chromium = System.getProperty("sluice.test.chromium", "/usr/bin/chromium");
    String driver = System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    if (!Files.isExecutable(Path.of(chromium)) || !Files.isExecutable(Path.of(driver))) {
      throw new IllegalStateException(
          "WebUiIT needs Chromium and chromedriver: apt-get install chromium chromium-driver"
              + " (or set -Dsluice.test.chromium and -Dwebdriver.chrome.driver); looked for "
              + chromium
              + " and "
              + driver);
    }
    System.setProperty("webdriver.chrome.driver", driver);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + chromiumProfile,
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1440,960");
    // the console, to catch Content-Security-Policy violations (see cspViolations)
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    browser = new ChromeDriver(options);
    screenshots = new Screenshots(browser, Path.of("target", "screenshots"));
  }

  @AfterAll
  static void stopEverything() {
    if (browser != null) {
      browser.quit();
    }
    if (prefixedControlPlane != null) {
      prefixedControlPlane.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  /** A test's agents stop with it: their status keys go (their leases are revoked). */
  @AfterEach
  void stopTheTestsAgents() {
    testAgents.forEach(SdkAgent::close);
    testAgents.clear();
  }

  /** The control plane's Content-Security-Policy must allow everything the UI does. */
  @AfterEach
  void theBrowserReportedNoContentSecurityPolicyViolation() {
    if (browser != null) {
      assertThat(cspViolations()).isEmpty();
    }
  }

  @Test
  void signsInAndSeesTheServiceWithItsAgent() throws Exception {
    String service = "sign-in";
    long firstRevision = storeOrdersDocumentAs(service);
    startAgent(service);
    // its relative times age at the page's next tick after 5 s, not up to 5 s later
    withHealthCheckedEverySecond(WebUiIT::signedOut);
    // the streams of this sign-in only: a page of another test, reconnecting as its sign-in was
    // cleared, may have asked without one
    eventStreamRequests.clear();
    WebElement token = waitFor(By.id("token"));
    screenshots.save("01-sign-in");
    token.sendKeys("not-a-token");
    click(By.cssSelector("form.sign-in button[type=submit]"));
    awaitText(By.id("sign-in-error"), "not accepted");

    signIn(WRITER_TOKEN);
    awaitRole("writer");
    By row = By.cssSelector("tr[data-service='" + service + "']");
    awaitText(
        By.cssSelector("tr[data-service='" + service + "'] [data-test=revision]"),
        String.valueOf(firstRevision));
    awaitText(By.cssSelector("tr[data-service='" + service + "'] [data-test=rollout]"), "1/1");
    awaitText(By.id("live"), "Live");
    assertThat(browser.findElement(row).getText()).contains(service);
    screenshots.save("02-services-overview");
    // the stream carries the token in its Authorization header, never in its URL, which proxies'
    // access logs keep: no ?access_token=, no ticket; and it asks for agent events without the
    // agents' status, which the page re-reads itself (a large fleet's would be megabytes)
    assertThat(eventStreamRequests)
        .isNotEmpty()
        .allSatisfy(
            request ->
                assertThat(request)
                    .isEqualTo("GET /api/v1/events?agentStatus=false authorization=bearer"));

    // Live: another writer's change shows up without a reload, through the event stream. The
    // page counts the refreshes that change events prompted: a time bound alone could not tell
    // them from the fallback poll's (every 15 s, its timer started at page load, not at the
    // change).
    js("window.__notReloaded = true;");
    long eventRefreshes = overviewEventRefreshes();
    long changedRevision =
        storeAs(
            OTHER_WRITER_TOKEN,
            service,
            documentFor(service, 0.0).replace("\"defaultRatio\": 0.1", "\"defaultRatio\": 0.2"));
    long started = System.nanoTime();
    await("the overview shows revision " + changedRevision + " after a change event's refresh")
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                overviewEventRefreshes() > eventRefreshes
                    && browser
                        .findElement(
                            By.cssSelector(
                                "tr[data-service='" + service + "'] [data-test=revision]"))
                        .getText()
                        .equals(String.valueOf(changedRevision)));
    System.out.println(
        "[ui] overview showed revision "
            + changedRevision
            + " after "
            + (System.nanoTime() - started) / 1_000_000
            + " ms, by an event-driven refresh");
    By lastChange = By.cssSelector("tr[data-service='" + service + "'] [data-test=last-change]");
    awaitText(lastChange, "bob");
    assertThat(js("return window.__notReloaded === true")).isEqualTo(true);

    // "Last change" ages like the other relative times, with no new data: API calls are held
    // (never answered) so no refresh can redraw it, only the page's timer.
    String shown = browser.findElement(lastChange).getText();
    js(
        "window.__unheld = window.fetch; window.fetch = (...a) =>"
            + " /api\\/v1\\/(services|agents)/.test(String(a[0]))"
            + " ? new Promise(() => {}) : window.__unheld(...a);");
    try {
      await("the last change's time ages from '" + shown + "'")
          .atMost(BOUND)
          .until(() -> !browser.findElement(lastChange).getText().equals(shown));
      assertThat(browser.findElement(lastChange).getText())
          .startsWith("bob \u00b7 ")
          .endsWith(" ago");
    } finally {
      js("window.fetch = window.__unheld;");
    }

    // a name outside the rule language is refused with the rule, not "the requested format"
    WebElement open = waitFor(By.id("open-service"));
    open.sendKeys("Orders Service");
    click(By.cssSelector("form.inline-form button[type=submit]"));
    assertThat(open.getDomProperty("validationMessage"))
        .contains("Use letters, digits")
        .contains("63");
    assertThat(open.getDomProperty("title")).contains("Use letters, digits");
    assertThat(browser.findElements(By.cssSelector("[data-test=service-name]"))).isEmpty();
    js("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'));", open);
    assertThat(open.getDomProperty("validationMessage")).doesNotContain("lower-case");
    // the next test gets a page that checks its health as usual
    openAfresh(WRITER_TOKEN, "/");
  }

  /**
   * The sign-in form says where a first-time user finds a token: on a control plane started without
   * configured tokens, the admin token it logged at start, in the log line's own words. The hint
   * named only the configuration key, which a fresh install has not set.
   */
  @Test
  void theSignInFormSaysWhereTheGeneratedAdminTokenIs() {
    open(WRITER_TOKEN, "/");
    click(By.id("sign-out"));
    awaitText(By.id("token-help"), "sluice.security.tokens.<name>.token");
    assertThat(waitFor(By.id("token-help")).getText())
        .contains(
            "the admin token it logged at start (\"generated an admin token for this run only\")");
  }

  /**
   * The services list's newest word stands: a read that failed after an older one was asked is not
   * cleared by the older one's success coming later (it used to be, so a control plane that had
   * just stopped answering looked fine). Refreshes come from change events here: the first one's
   * answer is held, the later ones fail; once the held answer is released and its refresh has
   * ended, the error still shows. The next read that succeeds clears it.
   */
  @Test
  void anOlderServicesReadAnsweredLateDoesNotClearANewerError() {
    String service = "overview-late";
    storeOrdersDocumentAs(service);
    openAfresh(WRITER_TOKEN, "/");
    waitFor(By.cssSelector("tr[data-service='" + service + "']"));
    holdTheFirstReadAndFailTheRest("api/v1/services");
    By error = By.cssSelector("[data-test=services-error]");
    try {
      storeOrdersDocumentAs(service, 0.2);
      await("the first answer held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__late.waiting"));
      storeOrdersDocumentAs(service, 0.3);
      awaitText(error, "Could not load services: made-up outage");
      js("window.__late.release()");
      awaitEveryReadEnded("table.services");
      assertThat(browser.findElement(error).getText())
          .isEqualTo("Could not load services: made-up outage");
      js("window.fetch = window.__late.unheld;");
      storeOrdersDocumentAs(service, 0.4);
      await("a read that succeeds clears the error")
          .atMost(BOUND)
          .until(() -> browser.findElement(error).getText().isEmpty());
    } finally {
      js("window.fetch = window.__late.unheld;");
    }
  }

  /**
   * A row's "Last change" names who made the revision it shows: the load of an older revision's
   * last change, answered after a newer one's, is dropped. It used to take the newer one's place,
   * so the row showed the newer revision beside the older change's author until the next refresh.
   */
  @Test
  void aLastChangeLoadedLateForAnOlderRevisionDoesNotReplaceTheNewerOnes() {
    String service = "last-change-late";
    // an agent keeps the row listed once the rules are deleted
    startAgent(service);
    openOverview();
    String lastChangeRead = "api/v1/services/" + service + "/rules/history?limit=1";
    By revision = By.cssSelector("tr[data-service='" + service + "'] [data-test=revision]");
    By lastChange = By.cssSelector("tr[data-service='" + service + "'] [data-test=last-change]");
    holdTheNextReadOf(lastChangeRead);
    try {
      long first = storeOrdersDocumentAs(service);
      awaitText(revision, String.valueOf(first));
      await("the first revision's last change held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__next.waiting"));
      long second =
          storeAs(
              OTHER_WRITER_TOKEN,
              service,
              ordersDocument(0.2)
                  .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\""));
      awaitText(revision, String.valueOf(second));
      awaitText(lastChange, "bob");
      js("window.__next.release()");
      awaitEveryReadEnded("table.services", "lastChangesEnded", "lastChangesStarted");
      assertThat(browser.findElement(lastChange).getText()).startsWith("bob");
      assertThat(browser.findElement(revision).getText()).isEqualTo(String.valueOf(second));
    } finally {
      js("window.fetch = window.__next.unheld;");
    }

    // rules deleted while a last change loads: the row says there are none, and the load's late
    // answer puts no author back beside that
    holdTheNextReadOf(lastChangeRead);
    try {
      long third = storeOrdersDocumentAs(service, 0.3);
      awaitText(revision, String.valueOf(third));
      await("the third revision's last change held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__next.waiting"));
      api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
      awaitText(lastChange, "no rules");
      js("window.__next.release()");
      awaitEveryReadEnded("table.services", "lastChangesEnded", "lastChangesStarted");
      assertThat(browser.findElement(lastChange).getText()).startsWith("no rules");
    } finally {
      js("window.fetch = window.__next.unheld;");
    }

    // rules written around the API (etcdctl): no history entry made them, so no author is shown;
    // the newest entry's (the deletion's) author and time were shown beside the new revision
    long aroundTheApi =
        etcd.server()
            .put(
                "/sluice/v1/rules/" + service,
                ordersDocument(0.4)
                    .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\""));
    awaitText(revision, String.valueOf(aroundTheApi));
    awaitText(lastChange, "written outside the API (no history entry)");
  }

  /**
   * A page opened while the control plane does not answer who its token is (restarting, away) keeps
   * the sign-in and asks again until it answers: it used to forget the token and show the sign-in
   * form, so a reload during a restart signed the user out.
   */
  @Test
  void aSignInTheControlPlaneDidNotAnswerAboutIsKeptAndAskedAgain() {
    ChromeDriver chrome = browser;
    openAfresh(WRITER_TOKEN, "/");
    chrome.executeCdpCommand("Network.enable", Map.of());
    chrome.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of("*/api/v1/whoami")));
    try {
      browser.navigate().refresh();
      awaitText(By.id("sign-in-error"), "your sign-in is kept");
      assertThat(js("return sessionStorage.getItem('sluice.token');")).isEqualTo(WRITER_TOKEN);
      // a token being typed meanwhile survives the next try: the form used to be drawn anew
      WebElement token = waitFor(By.id("token"));
      token.sendKeys("half-typed");
      awaitText(By.id("sign-in-error"), "Trying again in 2 s");
      assertThat(waitFor(By.id("token")).getDomProperty("value")).isEqualTo("half-typed");
    } finally {
      chrome.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of()));
    }
    awaitRole("writer");
  }

  @Test
  void showsErrorsAtTheirPathsThenSavesAfterReviewingTheDiff() {
    String service = "editing";
    long firstRevision = storeOrdersDocumentAs(service);
    SdkAgent agent = startAgent(service);
    open(WRITER_TOKEN, "/");
    click(By.cssSelector("tr[data-service='" + service + "'] a.service-link"));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"name\": \"drop-health\""));
    awaitText(By.cssSelector("[data-test=schema-state]"), "Checked against the rule schema");

    String invalid =
        documentFor(service, 0.0)
            .replace("\"ratio\": 0.0", "\"ratio\": 2")
            .replace("\"failureRateThreshold\"", "\"falureRateThreshold\"");
    type(editor, invalid);
    WebElement ratioProblem =
        waitFor(
            By.cssSelector("[data-test=problems] button[data-path='$.sampling.rules[0].ratio']"));
    assertThat(ratioProblem.getText()).contains("at most 1");
    assertThat(
            waitFor(By.cssSelector("[data-test=problems] button[data-path='$.breakers[0]']"))
                .getText())
        .contains("unknown field 'falureRateThreshold'")
        .contains("did you mean 'failureRateThreshold'");
    assertThat(browser.findElement(By.cssSelector(".gutter .bad")).getText()).isNotBlank();
    // the unknown field is shown at its own line, not its object's, and choosing it selects the
    // key
    WebElement unknownProblem =
        browser.findElement(
            By.cssSelector("[data-test=problems] button[data-path='$.breakers[0]']"));
    String text = editor.getAttribute("value");
    int keyLine = text.substring(0, text.indexOf("\"falureRateThreshold\"")).split("\n", -1).length;
    assertThat(text.substring(0, text.indexOf("\"name\": \"payments\"")).split("\n", -1).length)
        .isNotEqualTo(keyLine);
    assertThat(unknownProblem.findElement(By.cssSelector(".problem-line")).getText())
        .isEqualTo("line " + keyLine);
    unknownProblem.click();
    assertThat(selectedText(editor)).isEqualTo("\"falureRateThreshold\"");
    assertThat(browser.findElements(By.cssSelector("[data-test=problems] .problem-line")))
        .extracting(e -> Integer.parseInt(e.getText().replace("line ", "")))
        .isSorted();
    // Choosing a problem puts the cursor on it.
    ratioProblem.click();
    assertThat(selectedText(editor)).isEqualTo("2");
    // Line numbers scroll with the text.
    await()
        .atMost(BOUND)
        .until(
            () ->
                (Boolean)
                    js(
                        "return Math.abs(document.querySelector('.gutter').scrollTop"
                            + " - document.getElementById('rules-editor').scrollTop) < 1;"));
    screenshots.save("03-editor-with-errors");

    // Format cannot re-indent text that does not parse: it says so, and where the JSON breaks
    String broken =
        documentFor(service, 0.5).replace("\"defaultRatio\": 0.1,", "\"defaultRatio\": 0.1");
    type(editor, broken);
    awaitText(By.id("editor-status"), "1 problem found");
    click(By.cssSelector("[data-test=format]"));
    int at = broken.indexOf("\"respectParentDecision\"");
    int brokenLine = broken.substring(0, at).split("\n", -1).length;
    int brokenColumn = at - broken.lastIndexOf('\n', at - 1);
    awaitText(By.id("editor-status"), "Cannot format");
    assertThat(browser.findElement(By.id("editor-status")).getText())
        .contains("line " + brokenLine + ", column " + brokenColumn)
        .contains("Fix it first");
    assertThat(editor.getAttribute("value")).isEqualTo(broken);

    type(editor, documentFor(service, 0.5));
    awaitText(By.id("editor-status"), "No problems found.");
    assertThat(browser.findElements(By.cssSelector("[data-test=problems] li"))).isEmpty();
    browser
        .findElement(By.id("change-comment"))
        .sendKeys("keep half of the health checks \u2013 gr\u00f6\u00dfer");
    // as long as the control plane takes
    assertThat(browser.findElement(By.id("change-comment")).getDomProperty("maxLength"))
        .isEqualTo("1000");
    click(By.cssSelector("[data-test=review]"));
    WebElement diff = waitFor(By.cssSelector("[data-test=diff]"));
    assertThat(diff.findElements(By.cssSelector("tr.diff-del")))
        .extracting(WebElement::getText)
        .anyMatch(line -> ZERO_RATIO.matcher(line).find());
    assertThat(diff.findElements(By.cssSelector("tr.diff-add")))
        .extracting(WebElement::getText)
        .anyMatch(line -> line.contains("\"ratio\": 0.5"));
    screenshots.save("04-review-diff");

    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    // the save button went with the review: the focus is on what became of the save, not <body>,
    // in view, and read out once, as it gets the focus, not a second time as a live region
    assertThat(browser.switchTo().activeElement().getAttribute("data-test")).isEqualTo("saved");
    assertThat(focusedIsInViewAndNoLiveRegion()).isEqualTo("in view, in no live region");
    // "watch the rollout above": the rollout bar is in view, not under the sticky top bar
    await()
        .atMost(BOUND)
        .until(
            () ->
                (Boolean)
                    js(
                        "const bar = document.querySelector('.service-head [data-test=rollout]')"
                            + ".getBoundingClientRect();"
                            + " const top ="
                            + " document.querySelector('.topbar').getBoundingClientRect();"
                            + " return bar.top >= top.bottom && bar.bottom <= innerHeight;"));
    long saved = currentRevisionShown();
    assertThat(saved).isGreaterThan(firstRevision);
    await().atMost(BOUND).until(() -> agent.appliedRevision() == saved);
    // The page shows the agent on the saved revision, so the rollout it shows is the new one's.
    click(By.id("tab-agents"));
    await("the agents tab shows " + service + "-1 on revision " + saved)
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                browser
                    .findElement(
                        By.cssSelector(
                            "tr[data-instance='" + service + "-1'] [data-test=applied-revision]"))
                    .getText()
                    .equals(String.valueOf(saved)));
    awaitText(
        By.cssSelector("tr[data-instance='" + service + "-1'] [data-test=agent-status]"),
        "applied");
    awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
    HttpResponse<String> stored =
        api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of());
    assertThat(stored.body()).contains("0.5");

    // the same rules spelled differently (a default left out): the server writes nothing, and
    // the page must not claim a save nor drop the comment
    click(By.id("tab-rules"));
    WebElement again = waitFor(By.id("rules-editor"));
    type(again, documentFor(service, 0.5).replace("\"respectParentDecision\": true,", ""));
    awaitText(By.id("editor-status"), "No problems found.");
    browser.findElement(By.id("change-comment")).sendKeys("tidy up");
    click(By.cssSelector("[data-test=review]"));
    waitFor(By.cssSelector("[data-test=diff]"));
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=unchanged]"), "Nothing to save");
    assertThat(browser.findElement(By.cssSelector("[data-test=unchanged]")).getText())
        .contains("revision " + saved)
        .contains("comment was not recorded");
    assertThat(browser.findElements(By.cssSelector("[data-test=saved]"))).isEmpty();
    assertThat(browser.findElement(By.id("change-comment")).getDomProperty("value"))
        .isEqualTo("tidy up");
    assertThat(currentRevisionShown()).isEqualTo(saved);
    browser.findElement(By.id("change-comment")).clear();
  }

  /**
   * The overview asks for the services' last changes a few at a time, not with one request per
   * service at once, and still shows each one. The page's {@code fetch} is wrapped to count the
   * requests under way and to keep each for a moment, so that they overlap; the answers are the
   * control plane's.
   */
  @Test
  void theOverviewLoadsLastChangesAFewAtATime() {
    List<String> services = IntStream.rangeClosed(1, 10).mapToObj(i -> "many-" + i).toList();
    services.forEach(WebUiIT::storeOrdersDocumentAs);
    open(WRITER_TOKEN, "/service/" + services.get(0) + "/rules");
    waitFor(By.id("rules-editor"));
    js(
        "const loads = window.historyLoads = { now: 0, most: 0, total: 0 };"
            + " const real = window.fetch;"
            + " window.fetch = (...args) => {"
            + "   if (!String(args[0]).includes('rules/history?limit=1')) return real(...args);"
            + "   loads.now++; loads.total++; loads.most = Math.max(loads.most, loads.now);"
            + "   return new Promise(r => setTimeout(r, 200)).then(() => real(...args))"
            + "     .finally(() => loads.now--);"
            + " };"
            + " location.hash = '#/';");
    for (String service : services) {
      awaitText(By.cssSelector("tr[data-service='" + service + "']"), "alice");
    }
    assertThat(((Number) js("return window.historyLoads.total;")).intValue())
        .isGreaterThanOrEqualTo(services.size());
    assertThat(((Number) js("return window.historyLoads.most;")).intValue()).isBetween(1, 4);
    services.forEach(
        service ->
            api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of()));
  }

  /**
   * "Show older versions" clicked twice before the page it asked for came lists each older version
   * once: the button waits for its page. Before, each click loaded the same page again, after the
   * one before it.
   */
  @Test
  void showOlderVersionsClickedTwiceListsEachVersionOnce() {
    String service = "history-clicked-twice";
    List<Long> revisions = new ArrayList<>();
    for (int i = 1; i <= 55; i++) {
      revisions.add(storeOrdersDocumentAs(service, i / 100.0));
    }
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(
        By.cssSelector("tr[data-revision='" + revisions.get(revisions.size() - 1) + "']"), "alice");
    assertThat(browser.findElements(By.cssSelector("table.history tbody tr"))).hasSize(50);
    // two clicks in one task: the second comes before the first one's page can
    js(
        "const more = [...document.querySelectorAll('.table-foot button')]"
            + ".find(b => b.textContent === 'Show older versions');"
            + " more.click(); more.click();");
    waitFor(By.cssSelector("tr[data-revision='" + revisions.get(0) + "']"));
    List<Long> newestFirst = new ArrayList<>(revisions);
    Collections.reverse(newestFirst);
    await("every version is listed, each once")
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(
                        browser.findElements(By.cssSelector("table.history tbody tr")).stream()
                            .map(row -> Long.parseLong(row.getAttribute("data-revision")))
                            .toList())
                    .isEqualTo(newestFirst));
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * An older history page ("Show older versions") says nothing of the newest page: a failure to
   * read that one stays said when the older page comes. The older page's answer used to clear it,
   * so the list looked current while it lacked the newest revisions.
   */
  @Test
  void anOlderHistoryPageLeavesTheNewestPagesErrorSaid() {
    String service = "history-older-after-error";
    List<Long> revisions = new ArrayList<>();
    for (int i = 1; i <= 51; i++) {
      revisions.add(storeOrdersDocumentAs(service, i / 100.0));
    }
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(
        By.cssSelector("tr[data-revision='" + revisions.get(revisions.size() - 1) + "']"), "alice");
    // the newest page cannot be read from now on; older pages can
    js(
        "const unheld = window.__unheld = window.fetch;"
            + " window.fetch = (input, init = {}) => String(input).includes('/rules/history?')"
            + "   && !String(input).includes('before=')"
            + "   ? Promise.reject(new TypeError('Failed to fetch')) : unheld(input, init);");
    try {
      storeOrdersDocumentAs(service, 0.9);
      By error = By.cssSelector("#panel-history .form-error");
      awaitText(error, "Could not load the history: Failed to fetch");
      js(
          "[...document.querySelectorAll('.table-foot button')]"
              + ".find(b => b.textContent === 'Show older versions').click();");
      waitFor(By.cssSelector("tr[data-revision='" + revisions.get(0) + "']"));
      assertThat(browser.findElement(error).getText())
          .isEqualTo("Could not load the history: Failed to fetch");
    } finally {
      js("window.fetch = window.__unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The rule check in the page sees a field named like a member every object has ({@code
   * constructor}, {@code __proto__}) as the unknown field it is, as the control plane does. Before,
   * {@code __proto__} was dropped from the parsed document and {@code constructor} passed for a
   * known field, so the page called the document valid and the save was refused.
   */
  @Test
  void theRuleCheckInThePageFindsFieldsNamedLikeObjectMembers() {
    openOverview();
    Object problems =
        asyncJs(
            "const [text, done] = arguments;"
                + " Promise.all([import('/js/json-text.js'), import('/js/schema.js'),"
                + " fetch('schema/sluice-rules.schema.json').then(r => r.json())])"
                + " .then(([j, s, schema]) => done(s.compileSchema(schema)("
                + " j.parseWithLocations(text).value).map(e => e.message).join('\\n')))"
                + " .catch(e => done('failed: ' + e));",
            documentFor("member-names", 0.5)
                .replaceFirst("\\{", "{\"constructor\": 1, \"__proto__\": {}, "));
    assertThat(String.valueOf(problems))
        .contains("unknown field 'constructor'")
        .contains("unknown field '__proto__'");
  }

  /**
   * Placing a problem by the text's line starts (a binary search, so that a thousand problems in a
   * long document do not read it a thousand times) finds the line and column that reading the text
   * up to it does, at every offset, blank lines and the end included.
   */
  @Test
  void problemsArePlacedAtTheSameLineAndColumnByTheLineStarts() {
    openOverview();
    String text = "\n{\r\n  \"a\": 1,\n\n\n  \"b\": [2, 3]\n}\n\n";
    Object mismatches =
        asyncJs(
            "const [text, done] = arguments; import('/js/json-text.js').then(j => {"
                + " const starts = j.lineStarts(text); const wrong = [];"
                + " for (let at = 0; at <= text.length; at++) {"
                + "   const read = j.lineColumn(text, at);"
                + "   const searched = j.lineColumn(text, at, starts);"
                + "   if (read.line !== searched.line || read.column !== searched.column)"
                + "     wrong.push(at + ': ' + JSON.stringify([read, searched]));"
                + " }"
                + " done(wrong.length + ' of ' + (text.length + 1) + ' ' + wrong.slice(0, 3));"
                + "}).catch(e => done('failed: ' + e));",
            text);
    assertThat(mismatches).isEqualTo("0 of " + (text.length() + 1) + " ");
  }

  /**
   * A success whose body is not JSON (a proxy's sign-in page, say) is an error the page shows, not
   * data it draws as if the control plane had answered with nothing.
   */
  @Test
  void anAnswerThatIsNotJsonIsAnErrorEvenWhenItSucceeds() {
    openOverview();
    Object answer =
        asyncJs(
            "const done = arguments[0]; import('/js/api.js')"
                + ".then(m => m.call('GET', 'index.html'))"
                + ".then(r => done('taken as data: ' + JSON.stringify(r.body)),"
                + " e => done(e.constructor.name + ' ' + e.status + ': ' + e.message));");
    assertThat(answer)
        .isEqualTo(
            "ApiError 200: The answer to GET index.html was not JSON (HTTP 200): something"
                + " between this page and the control plane answered instead.");
  }

  /**
   * An address with a stray {@code %} (typed or pasted by hand) shows the overview instead of a
   * page that stopped drawing on the error.
   */
  @Test
  void anAddressThatCannotBeDecodedShowsTheOverview() {
    String service = "stray-percent";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    waitFor(By.id("rules-editor"));
    js("location.hash = arguments[0];", "#/service/%E0%A4%A/rules");
    waitFor(By.cssSelector("tr[data-service='" + service + "']"));
    assertThat(js("return location.hash;")).isEqualTo("#/");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  @Test
  void historyShowsWhoChangedWhatAndRollsBackWithTheAgentFollowing() {
    String service = "rolled-back";
    long firstRevision = storeAs(OTHER_WRITER_TOKEN, service, documentFor(service, 0.0));
    // as the page sends a comment that is not ASCII
    HttpResponse<String> alices =
        api(
            "PUT",
            "/api/v1/services/" + service + "/rules",
            WRITER_TOKEN,
            documentFor(service, 0.5),
            Map.of(
                "X-Sluice-Comment",
                URLEncoder.encode(
                        "keep half of the health checks \u2013 gr\u00f6\u00dfer",
                        StandardCharsets.UTF_8)
                    .replace("+", "%20"),
                "X-Sluice-Comment-Encoding",
                "percent"));
    assertThat(alices.statusCode()).as(alices.body()).isEqualTo(200);
    long before = revisionOf(alices);
    SdkAgent agent = startAgent(service);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(before));
    By newest = By.cssSelector("tr[data-revision='" + before + "']");
    awaitText(newest, "alice");
    assertThat(browser.findElement(newest).getText())
        .contains("keep half of the health checks \u2013 gr\u00f6\u00dfer");

    By first = By.cssSelector("tr[data-revision='" + firstRevision + "']");
    click(By.cssSelector("tr[data-revision='" + firstRevision + "'] [data-test=compare]"));
    WebElement compare = waitFor(By.cssSelector("[data-test=compare] [data-test=diff]"));
    assertThat(compare.getText()).contains("0.5");
    screenshots.save("05-history-compare");

    browser.findElement(first).findElement(By.cssSelector("[data-test=rollback]")).click();
    WebElement confirm = waitFor(By.cssSelector("dialog [data-test=confirm]"));
    assertThat(browser.findElement(By.cssSelector("dialog")).getText())
        .contains("revision " + firstRevision);
    // a rollback takes a comment as a save does: as long, and recorded in history
    WebElement comment = waitFor(By.id("rollback-comment"));
    assertThat(comment.getDomProperty("maxLength")).isEqualTo("1000");
    comment.sendKeys("back to bob\u2019s ratio \u2013 gr\u00f6\u00dfer");
    confirm.click();
    await().atMost(BOUND).until(() -> currentRevisionShown() > before);
    long rolledBack = currentRevisionShown();
    // the comment went into history with the rollback: the tab keeps it for no next dialog
    assertThat(js("return sessionStorage.getItem('sluice.rollback-comments');")).isNull();
    awaitText(
        By.cssSelector("tr[data-revision='" + rolledBack + "'] [data-test=action]"),
        "rollback to revision " + firstRevision);
    assertThat(
            browser
                .findElement(By.cssSelector("tr[data-revision='" + rolledBack + "'] td.comment"))
                .getText())
        .isEqualTo("back to bob\u2019s ratio \u2013 gr\u00f6\u00dfer");
    // the open comparison follows the new current revision instead of staying stale
    awaitText(By.id("compare-title"), "current (" + rolledBack + ")");

    click(By.id("tab-agents"));
    awaitText(
        By.cssSelector("tr[data-instance='" + service + "-1'] [data-test=applied-revision]"),
        String.valueOf(rolledBack));
    awaitText(
        By.cssSelector("tr[data-instance='" + service + "-1'] [data-test=agent-status]"),
        "applied");
    assertThat(
            browser.findElement(By.cssSelector("tr[data-instance='" + service + "-1']")).getText())
        .contains("payments:8080")
        .contains("CLOSED");
    awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
    screenshots.save("06-agents");
    assertThat(agent.appliedRevision()).isEqualTo(rolledBack);
  }

  @Test
  void aStaleEditGetsTheConflictExplanationAndCanBeReapplied() {
    String service = "stale-edit";
    long base = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(base));
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> ZERO_RATIO.matcher(editor.getAttribute("value")).find());
    type(
        editor,
        editor.getAttribute("value").replace("\"maxPerSecond\": 100", "\"maxPerSecond\": 250"));

    // Someone else saves meanwhile.
    HttpResponse<String> theirs =
        api(
            "PUT",
            "/api/v1/services/" + service + "/rules",
            OTHER_WRITER_TOKEN,
            documentFor(service, 0.25),
            Map.of("If-Match", "\"" + base + "\""));
    assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(200);
    // the page hears of it (its event stream) and says so over the edits, which it keeps; waited
    // for, as the notice moves the review button down: a click as it appears would miss
    awaitText(
        By.cssSelector("[data-test=newer]"), "Revision " + revisionOf(theirs) + " is now current");
    // notices are read out through the live regions the page has had from the start: one inserted
    // with its text in it is not read out by every screen reader, whatever its role
    assertThat(announced("status")).contains("Revision " + revisionOf(theirs) + " is now current");
    assertThat(browser.findElement(By.cssSelector("[data-test=newer]")).getAttribute("role"))
        .isNull();

    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    WebElement conflict = waitFor(By.cssSelector("[data-test=conflict]"));
    assertThat(conflict.getText()).contains("Someone else changed these rules");
    // an error: read out at once, by the assertive region; the outcome said before it goes from
    // the polite one, once heard (it stays a moment if the error came just after it)
    assertThat(announced("alert")).contains("Someone else changed these rules");
    await().atMost(BOUND).until(() -> announced("status").isEmpty());
    assertThat(conflict.getAttribute("role")).isNull();
    awaitText(By.cssSelector("[data-test=conflict-who]"), "bob");
    screenshots.save("07-conflict-412");

    click(By.cssSelector("[data-test=reapply]"));
    waitFor(By.cssSelector("[data-test=reapplied]"));
    assertThat(announced("status")).contains("re-applied your edits");
    // Their change and mine, together.
    assertThat(editor.getAttribute("value")).contains("\"ratio\": 0.25").contains("250");
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    HttpResponse<String> stored =
        api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of());
    assertThat(stored.body()).contains("0.25").contains("250");
  }

  /**
   * The review of edits whose revision is no longer current says that saving them as they are will
   * be refused, as the notice over the editor does. Rules deleted meanwhile: it said "This service
   * has no rules yet; saving creates them." with a "Create rules" button, and the save sent the old
   * revision and was refused. Rules created meanwhile under edits begun from the starter template:
   * it said "your edits started from null".
   */
  @Test
  void theReviewOfEditsNoLongerOnTheCurrentRevisionSaysTheyWillBeRefused() {
    String service = "review-stale";
    long base = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, base);
    type(
        editor,
        editor.getAttribute("value").replace("\"maxPerSecond\": 100", "\"maxPerSecond\": 5"));
    api("DELETE", "/api/v1/services/" + service + "/rules", OTHER_WRITER_TOKEN, null, Map.of());
    awaitText(By.cssSelector("[data-test=newer]"), "These rules were deleted meanwhile");
    click(By.cssSelector("[data-test=review]"));
    assertThat(waitFor(By.cssSelector("[data-test=review-against]")).getText())
        .isEqualTo(
            "These rules were deleted meanwhile. Your edits started from revision "
                + base
                + ": saving them as they are will be refused.");
    assertThat(browser.findElement(By.cssSelector("[data-test=save]")).getText())
        .isEqualTo("Save new revision");
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("[data-test=template]"), "starter template");

    // an edit of the template: a line more
    type(editor, editor.getAttribute("value") + "\n");
    long created = storeOrdersDocumentAs(service);
    awaitText(By.cssSelector("[data-test=newer]"), "Revision " + created + " is now current");
    click(By.cssSelector("[data-test=review]"));
    assertThat(waitFor(By.cssSelector("[data-test=review-against]")).getText())
        .isEqualTo(
            "Changes against the current revision "
                + created
                + ". Your edits started from no stored rules: saving them as they are will be"
                + " refused.");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  @Test
  void asksBeforeThrowingAwayUnsavedEdits() {
    String service = "unsaved";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
    awaitText(By.id("editor-status"), "No problems found.");
    String stored = editor.getAttribute("value");
    String edited = stored.replace("\"defaultRatio\": 0.1", "\"defaultRatio\": 0.3");
    assertThat(edited).isNotEqualTo(stored);
    type(editor, edited);
    // a reload or closing the tab gets the browser's own prompt
    assertThat(beforeUnloadIsRefused()).isTrue();

    By services = By.cssSelector("#crumbs a[href='#/']");
    click(services);
    assertThat(waitFor(By.cssSelector("dialog")).getText()).contains("not saved");
    click(By.cssSelector("dialog [data-test=cancel]"));
    assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
    assertThat(js("return location.hash")).isEqualTo("#/service/" + service + "/rules");
    // staying: the focus goes back to the link that asked to leave, not to <body>
    assertThat(js("return document.activeElement.matches(\"#crumbs a[href='#/']\")"))
        .isEqualTo(true);
    assertThat(editor.getAttribute("value")).isEqualTo(edited);

    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=cancel]"));
    assertThat(editor.getAttribute("value")).isEqualTo(edited);

    click(services);
    click(By.cssSelector("dialog [data-test=confirm]"));
    waitFor(By.cssSelector("tr[data-service='" + service + "']"));
    assertThat(js("return location.hash")).isEqualTo("#/");

    // a clean editor lets the user go without asking
    click(By.cssSelector("tr[data-service='" + service + "'] a.service-link"));
    WebElement fresh = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> fresh.getAttribute("value").equals(stored));
    assertThat(beforeUnloadIsRefused()).isFalse();
    click(services);
    waitFor(By.cssSelector("tr[data-service='" + service + "']"));
    assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
  }

  @Test
  void offersNoSaveWhenTheDocumentIsUnchanged() {
    String service = "no-change";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
    long revision = currentRevisionShown();
    click(By.cssSelector("[data-test=review]"));
    waitFor(By.cssSelector("[data-test=diff-none]"));
    WebElement save = waitFor(By.cssSelector("[data-test=save]"));
    assertThat(save.isEnabled()).isFalse();
    assertThat(save.getAttribute("aria-describedby")).isEqualTo("save-unchanged");
    assertThat(waitFor(By.id("save-unchanged")).getText())
        .contains("Nothing to save")
        .contains("revision " + revision);
    save.click();
    assertThat(browser.findElements(By.cssSelector("[data-test=saved]"))).isEmpty();
    assertThat(currentRevisionShown()).isEqualTo(revision);
    click(By.xpath("//section[contains(@class,'review')]//button[text()='Back to editing']"));
    assertThat(browser.findElements(By.cssSelector("[data-test=save]"))).isEmpty();
  }

  @Test
  void listsWhatOnlyTheServerFindsWithTheEditorsProblemsUntilTheNextEdit() {
    String service = "server-only";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
    long revision = currentRevisionShown();
    // two rules with one name: the schema cannot say so, the control plane does
    String stored = editor.getAttribute("value");
    type(editor, stored.replace("\"name\": \"checkout\"", "\"name\": \"drop-health\""));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    waitFor(By.cssSelector("[data-test=server-errors]"));
    WebElement problem =
        waitFor(
            By.cssSelector(
                "[data-test=problems] button[data-source=server]"
                    + "[data-path='$.sampling.rules[1].name']"));
    assertThat(problem.getText()).contains("duplicate name");
    awaitText(By.id("editor-status"), "The control plane found 1 problem");
    assertThat(browser.findElement(By.id("editor-status")).getText()).doesNotContain("No problems");
    String line = problem.findElement(By.cssSelector(".problem-line")).getText();
    // (the gutter may be scrolled: its text content, not what is in view)
    assertThat(browser.findElements(By.cssSelector(".gutter .bad")))
        .extracting(e -> e.getDomProperty("textContent"))
        .containsExactly(line.replace("line ", ""));
    problem.click();
    assertThat(selectedText(editor)).isEqualTo("\"drop-health\"");
    assertThat(currentRevisionShown()).isEqualTo(revision);

    // the next edit drops them: their line numbers were about the text that was sent
    String sent = editor.getAttribute("value");
    int second = sent.lastIndexOf("\"drop-health\"");
    type(editor, sent.substring(0, second) + "\"checkout-2\"" + sent.substring(second + 13));
    assertThat(browser.findElements(By.cssSelector("[data-test=problems] li"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=server-errors]"))).isEmpty();
    awaitText(By.id("editor-status"), "No problems found.");
    assertThat(browser.findElements(By.cssSelector(".gutter .bad"))).isEmpty();
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").equals(stored));
  }

  @Test
  void suggestsPoliciesForUnprotectedDependenciesAndDryRuns() {
    String service = "dependencies";
    storeOrdersDocumentAs(service);
    // The agent reports every 300 ms rather than every 5 s, and until the rows have been redrawn
    // twice its calls to inventory move by more than the 10 % that makes a report worth writing:
    // the page redraws on the agent's reports (at most every 2 s) rather than on its 15 s poll.
    AtomicBoolean busierEveryOther = new AtomicBoolean(true);
    AtomicInteger reports = new AtomicInteger();
    List<AgentStatus.TargetStats> busier =
        AGENT_TARGETS.stream()
            .map(
                t ->
                    t.target().equals("inventory:8080")
                        ? new AgentStatus.TargetStats("inventory:8080", 1100, 40, 240.0, null)
                        : t)
            .toList();
    startAgent(
        service,
        () -> busierEveryOther.get() && reports.getAndIncrement() % 2 == 1 ? busier : AGENT_TARGETS,
        Duration.ofMillis(300));
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement loaded = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> loaded.getAttribute("value").contains("drop-health"));
    click(By.id("tab-dependencies"));
    By inventory = By.cssSelector("tr[data-target='inventory:8080']");
    awaitText(inventory, "inventory:8080");
    assertThat(browser.findElements(By.cssSelector("tr[data-target='payments:8080']"))).isEmpty();
    By partly = By.cssSelector("tr[data-target='payments-2:8080'] [data-test=partly-guarded]");
    awaitText(partly, "Partly guarded by payments (440 calls/min)");
    assertThat(browser.findElement(By.cssSelector("tr[data-target='payments-2:8080']")).getText())
        .contains("60")
        .contains("5.0%");
    screenshots.save("08-unprotected-dependencies");

    // The agent's reports update the rows in place: an opened suggestion stays open and the focus
    // stays on its button.
    WebElement details = browser.findElement(inventory).findElement(By.tagName("details"));
    details.findElement(By.tagName("summary")).click();
    assertThat(details.getDomProperty("open")).isEqualTo("true");
    assertThat(details.getText()).contains("inventory-8080");
    WebElement add =
        browser.findElement(inventory).findElement(By.cssSelector("[data-test=add-policy]"));
    js("arguments[0].focus();", add);
    js(
        "window.__unprotectedAnswers = 0; const f = window.fetch; window.fetch = (...a) =>"
            + " f(...a).then(r => { if (String(a[0]).endsWith('/unprotected'))"
            + " window.__unprotectedAnswers++; return r; });");
    await("two more reports drawn")
        .atMost(BOUND)
        .until(() -> (Long) js("return window.__unprotectedAnswers;") >= 2);
    busierEveryOther.set(false);
    assertThat(details.getDomProperty("open")).isEqualTo("true");
    assertThat(js("return document.activeElement === arguments[0];", add)).isEqualTo(true);

    // A row that moves when the order changes keeps the focus on its target's control: the
    // control plane's answers come reversed from now on, so the last row moves to the top.
    List<String> order =
        browser.findElements(By.cssSelector("table.deps tbody tr")).stream()
            .map(tr -> tr.getAttribute("data-target"))
            .toList();
    assertThat(order).hasSizeGreaterThan(1);
    String moving = order.get(order.size() - 1);
    WebElement movingAdd =
        browser.findElement(
            By.cssSelector("tr[data-target='" + moving + "'] [data-test=add-policy]"));
    js("arguments[0].focus();", movingAdd);
    js(
        "window.__inOrder = window.fetch; window.fetch = (...a) => window.__inOrder(...a)"
            + ".then(async r => { if (!String(a[0]).endsWith('/unprotected')) return r;"
            + " const list = await r.json();"
            + " return new Response(JSON.stringify(list.reverse()),"
            + " {status: r.status, headers: r.headers}); });");
    // redrawn now rather than at the next 15 s poll: the page re-shows its tab on hashchange
    js("window.dispatchEvent(new HashChangeEvent('hashchange'));");
    try {
      await("the rows drawn in reversed order")
          .atMost(BOUND)
          .until(
              () ->
                  moving.equals(
                      browser
                          .findElement(By.cssSelector("table.deps tbody tr:first-child"))
                          .getAttribute("data-target")));
      assertThat(js("return document.activeElement === arguments[0];", movingAdd)).isEqualTo(true);
    } finally {
      js("window.fetch = window.__inOrder;");
    }

    // An answer that comes after a newer one is not drawn over it: the next answer is held, and
    // made to list a target no agent reports; a later refresh is drawn meanwhile; once the held
    // answer is released and its refresh has ended, no row shows the made-up target.
    js(
        "const unheld = window.fetch;"
            + " const late = window.__late = { waiting: false, unheld };"
            + " let first = true;"
            + " window.fetch = (...a) => {"
            + "   if (!String(a[0]).endsWith('/unprotected') || !first) return unheld(...a);"
            + "   first = false;"
            + "   return unheld(...a).then(async (r) => {"
            + "     const list = await r.json();"
            + "     list.push({ ...list[0], target: 'stale:1' });"
            + "     return new Promise((go) => { late.waiting = true; late.release = () =>"
            + "       go(new Response(JSON.stringify(list),"
            + " {status: r.status, headers: r.headers}));"
            + "     });"
            + "   });"
            + " };");
    try {
      js("window.dispatchEvent(new HashChangeEvent('hashchange'));");
      await("the first answer held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__late.waiting"));
      // the held read is this one or older; a read asked after it is then drawn
      long asked = dependenciesRead("reads");
      js("window.dispatchEvent(new HashChangeEvent('hashchange'));");
      await("a later read drawn").atMost(BOUND).until(() -> dependenciesRead("readShown") > asked);
      js("window.__late.release()");
      // every read asked has ended, the held one among them
      awaitEveryReadEnded("table.deps tbody");
      assertThat(browser.findElements(By.cssSelector("tr[data-target='stale:1']"))).isEmpty();
    } finally {
      js("window.fetch = window.__late.unheld;");
    }

    add.click();
    WebElement editor = waitFor(By.id("rules-editor"));
    assertThat(editor.isDisplayed()).isTrue();
    assertThat(editor.getAttribute("value"))
        .contains("\"host\": \"inventory\"")
        .contains("\"name\": \"inventory-8080\"");
    awaitText(By.id("editor-status"), "No problems found.");
    // once is enough: a second add finds the policy already there
    click(By.id("tab-dependencies"));
    browser.findElement(inventory).findElement(By.cssSelector("[data-test=add-policy]")).click();
    awaitText(By.id("toast"), "already has breaker policy 'inventory-8080'");
    assertThat(editor.getAttribute("value").split("\"host\": \"inventory\"", -1)).hasSize(2);
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    await().atMost(BOUND).until(() -> !editor.getAttribute("value").contains("inventory"));

    // A policy in shadow mode rejects nothing: the targets it watches are listed, saying so.
    storeAs(
        WRITER_TOKEN,
        service,
        ordersDocument(0.0)
            .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\"")
            .replace(
                "\"waitInOpenState\": \"10s\"", "\"waitInOpenState\": \"10s\", \"shadow\": true"));
    click(By.id("tab-dependencies"));
    awaitText(
        By.cssSelector("tr[data-target='payments:8080'] [data-test=shadow-watched]"),
        "Watched in shadow mode by payments (1200 calls/min)");
    awaitText(
        By.cssSelector("tr[data-target='payments-2:8080'] [data-test=shadow-watched]"),
        "Watched in shadow mode by payments (440 calls/min)");
    storeOrdersDocumentAs(service);
    js("window.dispatchEvent(new HashChangeEvent('hashchange'));");
    await("the shadow policy's targets gone again")
        .atMost(BOUND)
        .until(
            () ->
                browser.findElements(By.cssSelector("tr[data-target='payments:8080']")).isEmpty());
    awaitText(partly, "Partly guarded by payments (440 calls/min)");
    assertThat(browser.findElements(By.cssSelector("[data-test=shadow-watched]"))).isEmpty();

    // Arrow keys browse the tabs without adding history: Back leaves the tab clicked last.
    click(By.id("tab-history"));
    awaitAttribute(By.id("tab-history"), "aria-selected", "true");
    click(By.id("tab-dependencies"));
    awaitAttribute(By.id("tab-dependencies"), "aria-selected", "true");
    browser.findElement(By.id("tab-dependencies")).sendKeys(Keys.ARROW_RIGHT);
    awaitAttribute(By.id("tab-dry-run"), "aria-selected", "true");
    browser.findElement(By.id("tab-dry-run")).sendKeys(Keys.ARROW_RIGHT);
    awaitAttribute(By.id("tab-rules"), "aria-selected", "true");
    assertThat(js("return location.hash")).isEqualTo("#/service/" + service + "/rules");
    browser.navigate().back();
    awaitAttribute(By.id("tab-history"), "aria-selected", "true");
    assertThat(js("return location.hash")).isEqualTo("#/service/" + service + "/history");
    browser.navigate().forward();
    awaitAttribute(By.id("tab-rules"), "aria-selected", "true");
    click(By.id("tab-dependencies"));
    awaitAttribute(By.id("tab-dependencies"), "aria-selected", "true");

    // The tabs are a keyboard tablist: arrow keys move between them.
    browser.findElement(By.id("tab-dependencies")).sendKeys(Keys.ARROW_RIGHT);
    awaitAttribute(By.id("tab-dry-run"), "aria-selected", "true");
    assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("tab-dry-run");
    WebElement name = waitFor(By.id("dry-span-name"));
    name.sendKeys("GET /healthz");
    long stored = currentRevisionShown();
    awaitText(
        By.cssSelector("[data-test=dry-run-target]"),
        "Evaluates the stored rules (revision " + stored + ")");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), "drop-health");
    awaitText(
        By.cssSelector("[data-test=dry-run-basis]"),
        "stored rules of " + service + " at revision " + stored);
    screenshots.save("09-dry-run");

    click(By.id("dry-call"));
    browser.findElement(By.id("dry-url")).sendKeys("http://payments:8080/pay/42");
    new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("dry-method")))
        .selectByValue("POST");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), "payments");

    // Unsaved valid edits: the dry run evaluates the editor's draft, says so, and stores nothing.
    click(By.id("tab-rules"));
    String storedText = editor.getAttribute("value");
    type(editor, storedText.replace("\"drop-health\"", "\"drop-probes\""));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.id("tab-dry-run"));
    awaitText(By.cssSelector("[data-test=dry-run-target]"), "Evaluates your unsaved draft");
    click(By.id("dry-span"));
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), "drop-probes");
    WebElement basis = browser.findElement(By.cssSelector("[data-test=dry-run-basis]"));
    assertThat(basis.getText())
        .contains("your unsaved draft")
        .contains("started from revision " + stored)
        .contains("not the stored rules");
    assertThat(basis.getAttribute("data-basis")).isEqualTo("draft");
    screenshots.save("09-dry-run-draft");
    HttpResponse<String> unchanged =
        api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of());
    assertThat(unchanged.body()).contains("drop-health").doesNotContain("drop-probes");
    assertThat(revisionOf(unchanged)).isEqualTo(stored);

    // An invalid draft is not evaluated (nor are the stored rules in its place): the page says
    // so.
    click(By.id("tab-rules"));
    type(editor, storedText.replace("\"defaultRatio\": 0.1", "\"defaultRatio\": 2"));
    awaitText(By.id("editor-status"), "1 problem found");
    click(By.id("tab-dry-run"));
    awaitText(By.cssSelector("[data-test=dry-run-target]"), "not valid");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=dry-run-draft-invalid]"), "has 1 problem");
    assertThat(browser.findElements(By.cssSelector("[data-test=deciding-rule]"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=dry-run-basis]"))).isEmpty();
    // ... also when only the control plane finds the problem (two rules with one name)
    click(By.id("tab-rules"));
    type(editor, storedText.replace("\"name\": \"checkout\"", "\"name\": \"drop-health\""));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.id("tab-dry-run"));
    assertDryRunRefusesTheDraftWith("$.sampling.rules[1].name");

    // Edits discarded: the stored rules again, with their revision.
    discardEditsBackTo(editor, storedText);
    click(By.id("tab-dry-run"));
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), "drop-health");
    awaitText(
        By.cssSelector("[data-test=dry-run-basis]"),
        "stored rules of " + service + " at revision " + stored);
  }

  /**
   * A dry run of the editor's draft checks the text a save would send: a ratio a double holds as 0
   * (1e-400), which saving refuses, is not evaluated as a ratio of 0.
   */
  @Test
  void aDryRunOfADraftChecksItsTextAsWritten() {
    String service = "dry-as-written";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("\"drop-health\""));
    String storedText = editor.getAttribute("value");
    assertThat(storedText).containsPattern(ZERO_RATIO);
    type(
        editor,
        ZERO_RATIO
            .matcher(storedText.replace("\"drop-health\"", "\"drop-probes\""))
            .replaceFirst("\"ratio\": 1e-400"));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.id("tab-dry-run"));
    awaitText(By.cssSelector("[data-test=dry-run-target]"), "Evaluates your unsaved draft");
    waitFor(By.id("dry-span-name")).sendKeys("GET /healthz");
    assertDryRunRefusesTheDraftWith("$.sampling.rules[0].ratio: is too small a number");

    discardEditsBackTo(editor, storedText);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /** Evaluates the draft in the dry run: refused for its one {@code problem}, nothing decided. */
  private void assertDryRunRefusesTheDraftWith(String problem) {
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(
        By.cssSelector("[data-test=dry-run-draft-invalid]"), "the control plane found 1 problem");
    assertThat(browser.findElement(By.cssSelector("[data-test=dry-run-result]")).getText())
        .contains(problem);
    assertThat(browser.findElements(By.cssSelector("[data-test=deciding-rule]"))).isEmpty();
  }

  /** Discards the editor's edits (confirmed) and waits for the stored text to be back. */
  private void discardEditsBackTo(WebElement editor, String storedText) {
    click(By.id("tab-rules"));
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").equals(storedText));
  }

  @Test
  void rendersServerTextAsText() {
    String service = "markup";
    String document =
        documentFor(service, 0.25).replace("\"name\": \"checkout\"", "\"name\": \"" + XSS + "\"");
    HttpResponse<String> put =
        api(
            "PUT",
            "/api/v1/services/" + service + "/rules",
            WRITER_TOKEN,
            document,
            Map.of("X-Sluice-Comment", XSS));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

    open(WRITER_TOKEN, "/service/" + service + "/rules");
    By ruleNames = By.cssSelector("[data-test=structured] .rule-name");
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () -> browser.findElements(ruleNames).stream().anyMatch(e -> e.getText().equals(XSS)));
    click(By.id("tab-history"));
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                browser.findElements(By.cssSelector("td.comment")).stream()
                    .anyMatch(e -> e.getText().equals(XSS)));
    assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
    assertThatThrownBy(() -> browser.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
  }

  @Test
  void aServiceNamedOutsideTheRuleNamesShowsItsAgentsOnDefaultAndWhyWithoutAnEditor()
      throws Exception {
    long defaultRevision = storeOrdersDocumentAs("_default");
    // listed first on the overview, marked as the fallback, with a way to open it
    open(WRITER_TOKEN, "/");
    awaitText(
        By.cssSelector("tr[data-service='_default'] [data-test=revision]"),
        String.valueOf(defaultRevision));
    assertThat(
            browser
                .findElement(By.cssSelector("table.services tbody tr:first-child"))
                .getAttribute("data-service"))
        .isEqualTo("_default");
    assertThat(
            browser
                .findElement(
                    By.cssSelector("tr[data-service='_default'] [data-test=default-marker]"))
                .getText())
        .contains("fallback for services without their own");
    assertThat(browser.findElement(By.cssSelector("[data-test=default-hint]")).isDisplayed())
        .isFalse();
    screenshots.save("12-overview-with-default");
    click(By.cssSelector("tr[data-service='_default'] a.service-link"));
    awaitText(By.cssSelector("[data-test=service-name]"), "_default");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(defaultRevision));
    // no agent runs it yet: watched live from its agents tab
    click(By.id("tab-agents"));
    awaitText(By.cssSelector("#panel-agents .empty"), "No live agent runs _default");
    // otel.service.name is free text: an agent named so runs _default
    try (SdkAgent camel =
        new SdkAgent(
            etcd.endpoint(),
            "unknown_service:java",
            "camel-1",
            "camel-host-1",
            Files.createDirectories(agentState.resolve("camel")),
            List.of(),
            List.of(new AgentStatus.TargetStats("ledger:9000", 300, 3, 40.0, null)))) {
      camel.start();
      await().atMost(BOUND).until(() -> camel.appliedRevision() == defaultRevision);

      // _default's page shows the agents that fall back to it, as its overview row counts them,
      // each with the service it reports
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
      String ordersCamel = "tr[data-service='unknown_service:java'][data-instance='camel-1'] ";
      awaitText(By.cssSelector(ordersCamel + "[data-test=agent-status]"), "applied");
      assertThat(
              browser
                  .findElement(By.cssSelector(ordersCamel + "[data-test=agent-service] a"))
                  .getAttribute("href"))
          .endsWith("#/service/unknown_service%3Ajava/agents");
      // another service running _default, with an instance of the same id, one revision behind:
      // a row of its own, judged against _default's revision
      etcd.server()
          .put(
              "/sluice/v1/agents/Billing API/camel-1",
              AgentStatusCodec.write(
                  new AgentStatus(
                      "camel-1",
                      "Billing API",
                      "billing-host",
                      7,
                      new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
                      Instant.now(),
                      Instant.now(),
                      "etcd",
                      defaultRevision - 1,
                      null,
                      List.of(),
                      List.of())));
      try {
        awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/2");
        String billingCamel = "tr[data-service='Billing API'][data-instance='camel-1'] ";
        awaitText(By.cssSelector(billingCamel + "[data-test=agent-status]"), "behind");
        assertThat(
                browser
                    .findElement(By.cssSelector(ordersCamel + "[data-test=agent-status]"))
                    .getText())
            .isEqualTo("applied");
        assertThat(browser.findElements(By.cssSelector("table.agents [data-test=agent-service]")))
            .extracting(WebElement::getText)
            .containsExactly("Billing API", "unknown_service:java");
        screenshots.save("12-default-agents");
      } finally {
        etcd.server().delete("/sluice/v1/agents/Billing API/camel-1");
      }
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
      // what they call unguarded is _default's to protect: its Dependencies tab lists it
      click(By.id("tab-dependencies"));
      awaitText(By.cssSelector("tr[data-target='ledger:9000']"), "ledger:9000");

      browser.get(baseUrl() + "/#/");
      // _default's row counts the agents that fall back to it (no agent reports _default itself)
      awaitText(By.cssSelector("tr[data-service='_default'] [data-test=rollout]"), "1/1");
      assertThat(
              browser
                  .findElement(
                      By.cssSelector("tr[data-service='_default'] [data-test=rollout-cell]"))
                  .getAttribute("title"))
          .contains("services without rules of their own");
      awaitText(
          By.cssSelector("tr[data-service='unknown_service:java'] [data-test=rollout]"), "1/1");
      click(By.cssSelector("tr[data-service='unknown_service:java'] a.service-link"));
      WebElement note = waitFor(By.cssSelector("[data-test=default-only]"));
      assertThat(note.getText())
          .contains("'unknown_service:java' can have no rule document of its own")
          .contains("so its agents run the _default document.");
      waitFor(By.cssSelector("[data-test=no-editor]"));
      assertThat(browser.findElements(By.id("rules-editor"))).isEmpty();
      awaitText(
          By.cssSelector("[data-test=current-revision]"), "_default revision " + defaultRevision);
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
      // no "Could not load the rules"
      assertThat(browser.findElements(By.cssSelector("main .form-error")))
          .allSatisfy(e -> assertThat(e.getText()).isEmpty());
      screenshots.save("12-service-running-default");

      click(By.id("tab-agents"));
      awaitText(By.cssSelector("tr[data-instance='camel-1'] [data-test=agent-status]"), "applied");
      click(By.id("tab-dependencies"));
      awaitText(By.cssSelector("tr[data-target='ledger:9000']"), "ledger:9000");
      // nothing of its own to add a policy to
      assertThat(browser.findElements(By.cssSelector("[data-test=add-policy]"))).isEmpty();
      assertThat(browser.findElements(By.cssSelector("main .form-error")))
          .allSatisfy(e -> assertThat(e.getText()).isEmpty());
    } finally {
      api("DELETE", "/api/v1/services/_default/rules", WRITER_TOKEN, null, Map.of());
    }
  }

  /**
   * Rules a writer creates in the editor can be deleted from it at once, and rules another writer
   * deleted under the editor's edits are offered for deletion no more. The button showed only after
   * a reload in the first case (the save made its own revision current without resetting the
   * editor) and stayed, doing nothing, in the second.
   */
  @Test
  void theDeleteButtonFollowsWhetherRulesAreStored() {
    String service = "create-then-delete";
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=template]"), "starter template");
    By delete = By.cssSelector("[data-test=delete-rules]");
    assertThat(browser.findElement(delete).isDisplayed()).isFalse();
    WebElement editor = waitFor(By.id("rules-editor"));
    type(editor, documentFor(service, 0.5));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    awaitText(By.cssSelector("[data-test=save]"), "Create rules");
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    await("the delete button shows")
        .atMost(BOUND)
        .until(() -> browser.findElement(delete).isDisplayed());

    type(editor, documentFor(service, 0.25));
    api("DELETE", "/api/v1/services/" + service + "/rules", OTHER_WRITER_TOKEN, null, Map.of());
    awaitText(By.cssSelector("[data-test=newer]"), "These rules were deleted meanwhile");
    assertThat(browser.findElement(delete).isDisplayed()).as("nothing left to delete").isFalse();
    discardEdits();
  }

  /**
   * A breaker policy added from the Dependencies tab while the review is open closes the review:
   * its save button held the document read before the addition and stored it without the policy,
   * saying "Saved as revision N", with the policy left in the editor, unsaved.
   */
  @Test
  void addingAPolicyToTheEditorClosesAnOpenReview() {
    String service = "review-then-add";
    long revision = storeOrdersDocumentAs(service);
    try (SdkAgent agent = startAgent(service)) {
      WebElement editor = openEditorOf(service, revision);
      type(editor, documentFor(service, 0.5));
      awaitText(By.id("editor-status"), "No problems found.");
      click(By.cssSelector("[data-test=review]"));
      waitFor(By.cssSelector("[data-test=save]"));
      // the review scrolled itself into view: the tabs are above it, under the top bar
      js("window.scrollTo(0, 0);");
      click(By.id("tab-dependencies"));
      click(By.cssSelector("tr[data-target='inventory:8080'] [data-test=add-policy]"));
      awaitText(By.id("toast"), "Added breaker policy 'inventory-8080' to the editor.");

      assertThat(browser.findElements(By.cssSelector("[data-test=save]")))
          .as("the review of the text before the addition is closed")
          .isEmpty();
      click(By.cssSelector("[data-test=review]"));
      assertThat(waitFor(By.cssSelector("[data-test=diff]")).getText()).contains("inventory-8080");
      click(By.cssSelector("[data-test=save]"));
      awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
      assertThat(
              api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())
                  .body())
          .contains("inventory-8080")
          .contains("0.5");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  @Test
  void aWriterDeletesAServicesRulesAfterConfirmingAndTheHistoryKeepsThem() {
    // without a _default document, the overview says how to make one
    open(WRITER_TOKEN, "/");
    awaitText(By.cssSelector("[data-test=default-hint]"), "No _default document");
    assertThat(browser.findElements(By.cssSelector("tr[data-service='_default']"))).isEmpty();
    assertThat(
            browser.findElement(By.cssSelector("[data-test=create-default]")).getAttribute("href"))
        .endsWith("#/service/_default/rules");
    // column headings wrap rather than run into each other
    assertThat(
            js(
                "return [...document.querySelectorAll('table.services thead th')]"
                    + ".filter(th => th.scrollWidth > th.clientWidth).map(th => th.textContent);"))
        .asList()
        .isEmpty();
    screenshots.save("14-overview-without-default");

    long revision = storeOrdersDocumentAs("refunds");

    browser.get(baseUrl() + "/#/service/refunds/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    // cancelling changes nothing
    click(By.cssSelector("[data-test=delete-rules]"));
    WebElement dialog = waitFor(By.cssSelector("dialog.dialog"));
    assertThat(dialog.getText())
        .contains("Delete the rules of refunds?")
        .contains("fall back to the _default document, or to the built-in defaults")
        .contains("stays in history")
        .contains("roll back");
    screenshots.save("14-delete-rules-dialog");
    click(By.cssSelector("dialog [data-test=cancel]"));
    assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
    assertThat(
            api("GET", "/api/v1/services/refunds/rules", WRITER_TOKEN, null, Map.of()).statusCode())
        .isEqualTo(200);

    click(By.cssSelector("[data-test=delete-rules]"));
    waitFor(By.id("delete-comment")).sendKeys("refunds run _default again");
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("[data-test=deleted]"), "Deleted the rules of refunds");
    awaitText(By.cssSelector("[data-test=current-revision]"), "none");
    awaitText(By.cssSelector("[data-test=template]"), "starter template");
    assertThat(browser.findElement(By.cssSelector("[data-test=delete-rules]")).isDisplayed())
        .isFalse();
    assertThat(
            api("GET", "/api/v1/services/refunds/rules", WRITER_TOKEN, null, Map.of()).statusCode())
        .isEqualTo(404);

    click(By.id("tab-history"));
    awaitText(By.cssSelector("tr[data-revision='" + revision + "']"), "put");
    WebElement deleted =
        waitFor(By.xpath("//tr[td[@data-test='action' and normalize-space()='delete']]"));
    assertThat(deleted.getText()).contains("refunds run _default again");
    screenshots.save("14-rules-deleted-history");
  }

  /**
   * A 400 that is not about the document (a comment longer than the server takes, set past the
   * field's maxlength as a script or a paste into an older page can) says what the server refused,
   * not "the document", and takes the keyboard focus; so does every outcome of a delete: refused,
   * lost to another writer's save, done. The button that held the focus is gone or hidden by then.
   */
  @Test
  void aRefusedRequestSaysWhyAndEveryOutcomeOfADeleteTakesTheFocus() {
    long revision = storeOrdersDocumentAs("invoices");
    open(WRITER_TOKEN, "/service/invoices/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"service\": \"invoices\""));
    type(
        editor,
        ordersDocument(0.5).replace("\"service\": \"orders\"", "\"service\": \"invoices\""));
    awaitText(By.id("editor-status"), "No problems found.");
    String tooLong = "x".repeat(1001);
    js("arguments[0].value = arguments[1];", waitFor(By.id("change-comment")), tooLong);
    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=save-refused]"), "longer than 1000 characters");
    assertThat(browser.findElement(By.cssSelector("[data-test=save-refused]")).getText())
        .contains("nothing was saved")
        .doesNotContain("document");
    assertThat(browser.findElements(By.cssSelector("[data-test=server-errors]"))).isEmpty();
    assertThat(focusedTest()).isEqualTo("save-refused");
    assertThat(currentRevisionShown()).isEqualTo(revision);
    js("arguments[0].value = '';", browser.findElement(By.id("change-comment")));

    // a delete the server refuses
    click(By.cssSelector("[data-test=delete-rules]"));
    js("arguments[0].value = arguments[1];", waitFor(By.id("delete-comment")), tooLong);
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("[data-test=delete-failed]"), "Deleting failed");
    assertThat(browser.findElement(By.cssSelector("[data-test=delete-failed]")).getText())
        .contains("longer than 1000 characters");
    assertThat(focusedTest()).isEqualTo("delete-failed");

    // a delete confirmed after someone else saved
    click(By.cssSelector("[data-test=delete-rules]"));
    waitFor(By.id("delete-comment"));
    long theirs = storeOrdersDocumentAs("invoices", 0.25);
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("[data-test=delete-failed]"), "Someone else changed these rules");
    assertThat(focusedTest()).isEqualTo("delete-failed");
    assertThat(
            api("GET", "/api/v1/services/invoices/rules", WRITER_TOKEN, null, Map.of())
                .statusCode())
        .isEqualTo(200);

    // a delete that goes through: the delete button is hidden, the outcome has the focus
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(theirs));
    click(By.cssSelector("[data-test=delete-rules]"));
    waitFor(By.id("delete-comment"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("[data-test=deleted]"), "Deleted the rules of invoices");
    assertThat(focusedTest()).isEqualTo("deleted");
  }

  /**
   * A problem about a member's name (a header name of a breaker's synthetic response, a span
   * attribute key) is shown and selected at that name, not at the member's value on the line below:
   * where the control plane places it, by the line and column of the text the editor sent it (here
   * with the rule schema unavailable, so only the control plane finds them), and where the editor
   * places its own.
   */
  @Test
  void placesAProblemWithAMembersNameAtTheNameNotAtItsValue() {
    long revision = storeOrdersDocumentAs("misplaced");
    String document =
        """
        {
          "schemaVersion": 1,
          "service": "misplaced",
          "sampling": {
            "rules": [
              { "name": "tagged",
                "match": { "attributes": { "http.route\\u202e":
                  "/a" } },
                "ratio": 1 }
            ]
          },
          "breakers": [
            { "name": "payments",
              "match": { "host": "payments" },
              "onOpen": { "mode": "response",
                "headers": { "Retry After":
                  "5" } } }
          ]
        }""";
    List<String> names = List.of("\"http.route\\u202e\"", "\"Retry After\"");
    List<String> expected =
        names.stream().map(name -> "line " + lineOf(document, name) + " " + name).toList();
    ChromeDriver chrome = browser;
    chrome.executeCdpCommand("Network.enable", Map.of());
    chrome.executeCdpCommand(
        "Network.setBlockedURLs", Map.of("urls", List.of("*/schema/sluice-rules.schema.json")));
    try {
      openAfresh(WRITER_TOKEN, "/service/misplaced/rules");
      awaitText(By.cssSelector("[data-test=schema-state]"), "Schema unavailable");
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
      WebElement editor = waitFor(By.id("rules-editor"));
      type(editor, document);
      awaitText(By.id("editor-status"), "No problems found.");
      click(By.cssSelector("[data-test=review]"));
      click(By.cssSelector("[data-test=save]"));
      waitFor(By.cssSelector("[data-test=server-errors]"));
      awaitText(By.id("editor-status"), "The control plane found 2 problems");
      assertThat(problemsShownAndSelected("server", editor)).isEqualTo(expected);
    } finally {
      chrome.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of()));
    }

    // the editor's own check, with the schema, finds them at their names too
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    openAfresh(WRITER_TOKEN, "/service/misplaced/rules");
    awaitText(By.cssSelector("[data-test=schema-state]"), "Checked against the rule schema");
    WebElement editor = waitFor(By.id("rules-editor"));
    type(editor, document);
    awaitText(By.id("editor-status"), "2 problems found");
    assertThat(problemsShownAndSelected("editor", editor)).isEqualTo(expected);
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
  }

  /**
   * The problems of {@code source} (server or editor) in the list, each as the line it shows and
   * the text choosing it selects in the editor.
   */
  private static List<String> problemsShownAndSelected(String source, WebElement editor) {
    List<String> shown = new ArrayList<>();
    for (WebElement problem :
        browser.findElements(
            By.cssSelector("[data-test=problems] button[data-source=" + source + "]"))) {
      String line = problem.findElement(By.cssSelector(".problem-line")).getText();
      problem.click();
      shown.add(line + " " + selectedText(editor));
    }
    return shown;
  }

  /** The line, from 1, on which {@code part} first occurs in {@code text}. */
  /**
   * The editor sends its text as written, and a browser sends half a character (a surrogate without
   * its pair, as a cut paste leaves) as U+FFFD: the editor lists it as a problem at its place, as
   * the control plane does an escaped one, instead of saving a different name.
   */
  @Test
  void aHalfCharacterInTheEditorIsAProblemAtItsPlace() {
    long revision = storeOrdersDocumentAs("half-character");
    open(WRITER_TOKEN, "/service/half-character/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("\"drop-health\""));
    // the line it will be at (the editor's text cannot be read back through WebDriver then)
    int line = lineOf(editor.getAttribute("value"), "drop-health");
    js(
        "const e = arguments[0];"
            + " e.value = e.value.replace('\"drop-health\"', '\"drop-health\\ud800\"');"
            + " e.dispatchEvent(new Event('input', { bubbles: true }));",
        editor);
    awaitText(
        By.cssSelector("[data-test=problems]"),
        "is not valid Unicode: \\ud800 is half of a surrogate pair, without its other half");
    WebElement problem = browser.findElement(By.cssSelector("[data-test=problems] button"));
    assertThat(problem.getAttribute("data-path")).isEqualTo("$.sampling.rules[0].name");
    assertThat(problem.getText()).contains("line " + line);
    click(By.cssSelector("[data-test=review]"));
    assertThat(browser.findElements(By.cssSelector("[data-test=save]"))).isEmpty();

    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.id("editor-status"), "No problems found.");
    api("DELETE", "/api/v1/services/half-character/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A field given twice is listed with the document's other problems, as a save lists them, not
   * alone: the editor used to stop at the first such field and show nothing else until it was
   * fixed.
   */
  @Test
  void aFieldGivenTwiceInTheEditorIsListedWithTheDocumentsOtherProblems() {
    storeOrdersDocumentAs("given-twice");
    open(WRITER_TOKEN, "/service/given-twice/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("\"drop-health\""));
    js(
        "const e = arguments[0]; e.value = arguments[1];"
            + " e.dispatchEvent(new Event('input', { bubbles: true }));",
        editor,
        "{\"schemaVersion\": 1, \"service\": \"given-twice\",\n"
            + " \"sampling\": {\"defaultRatio\": 0.5, \"defaultRatio\": 1,\n"
            + "  \"rules\": [{\"name\": \"a\", \"ratio\": 2}]}}");

    awaitText(By.cssSelector("[data-test=problems]"), "duplicate field 'defaultRatio'");
    List<WebElement> problems = browser.findElements(By.cssSelector("[data-test=problems] button"));
    assertThat(problems).hasSize(2);
    assertThat(problems.get(0).getText()).contains("line 2").contains("duplicate field");
    assertThat(problems.get(1).getAttribute("data-path")).isEqualTo("$.sampling.rules[0].ratio");
    assertThat(problems.get(1).getText()).contains("line 3");

    // a field the last value lacks is missing where the last value is, not in the first
    js(
        "const e = arguments[0]; e.value = arguments[1];"
            + " e.dispatchEvent(new Event('input', { bubbles: true }));",
        editor,
        "{\"schemaVersion\": 1, \"service\": \"given-twice\",\n"
            + " \"breakers\": [{\"name\": \"b\", \"match\": {\"host\": \"h\"}}],\n"
            + " \"breakers\": [{\"match\": {\"host\": \"h\"}}]}");
    await()
        .atMost(BOUND)
        .until(
            () ->
                browser
                        .findElements(
                            By.cssSelector(
                                "[data-test=problems] button[data-path='$.breakers[0].name']"))
                        .size()
                    == 1);
    assertThat(
            browser
                .findElement(
                    By.cssSelector("[data-test=problems] button[data-path='$.breakers[0].name']"))
                .getText())
        .contains("line 3");

    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.id("editor-status"), "No problems found.");
    api("DELETE", "/api/v1/services/given-twice/rules", WRITER_TOKEN, null, Map.of());
  }

  private static int lineOf(String text, String part) {
    assertThat(text).contains(part);
    return text.substring(0, text.indexOf(part)).split("\n", -1).length;
  }

  /**
   * The server refuses a comment with any control character (U+0000-U+001F, U+007F-U+009F), line or
   * paragraph separator or bidirectional control; the comment field is one line, yet a paste can
   * bring a vertical tab, a form feed, a NEL, U+2028, a terminal escape or a right-to-left
   * override: the UI drops the bidirectional controls and sends each run of the others as one
   * space, and the save goes through.
   */
  @Test
  void aPastedCommentWithControlCharactersIsSavedAsOneLine() {
    long revision = storeOrdersDocumentAs("receipts");
    open(WRITER_TOKEN, "/service/receipts/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"service\": \"receipts\""));
    type(
        editor,
        ordersDocument(0.5).replace("\"service\": \"orders\"", "\"service\": \"receipts\""));
    awaitText(By.id("editor-status"), "No problems found.");
    js(
        "arguments[0].value = arguments[1];",
        waitFor(By.id("change-comment")),
        "pasted\u000bfrom\f\fa\u0085terminal\u001b[1m\u009bbold\u007f\u2028in"
            + " \u202eplain\u202c \u2067text\u2069");
    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    long saved = currentRevisionShown();
    assertThat(saved).isGreaterThan(revision);

    click(By.id("tab-history"));
    awaitText(
        By.cssSelector("tr[data-revision='" + saved + "'] td.comment"),
        "pasted from a terminal [1m bold in plain text");
    assertThat(
            browser
                .findElement(By.cssSelector("tr[data-revision='" + saved + "'] td.comment"))
                .getText())
        .isEqualTo("pasted from a terminal [1m bold in plain text");
  }

  /**
   * A window too short for the rollout bar and the outcome of a save at once: the outcome, which
   * has the keyboard focus, stays in view, clear of the sticky top bar, rather than the page
   * scrolling to the rollout at the top and leaving the focus off-screen.
   */
  @Test
  void theOutcomeOfASaveThatHasTheFocusStaysInViewInAShortWindow() {
    long revision = storeOrdersDocumentAs("payouts");
    open(WRITER_TOKEN, "/service/payouts/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"service\": \"payouts\""));
    try {
      // the outcome shows where the editor starts now: make the window end just below that line
      long chrome = ((Number) js("return outerHeight - innerHeight;")).longValue();
      long outcomeTop =
          ((Number)
                  js(
                      "return document.querySelector('.rules-layout').getBoundingClientRect().top"
                          + " + scrollY;"))
              .longValue();
      browser.manage().window().setSize(new Dimension(1280, (int) (outcomeTop + 24 + chrome)));
      type(
          editor,
          ordersDocument(0.5).replace("\"service\": \"orders\"", "\"service\": \"payouts\""));
      awaitText(By.id("editor-status"), "No problems found.");
      click(By.cssSelector("[data-test=review]"));
      click(By.cssSelector("[data-test=save]"));
      awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
      assertThat(focusedTest()).isEqualTo("saved");
      assertThat(focusedIsInViewAndNoLiveRegion())
          .as("the outcome at %d px, in a window %s px high", outcomeTop, js("return innerHeight;"))
          .isEqualTo("in view, in no live region");
    } finally {
      browser.manage().window().setSize(new Dimension(1440, 960));
    }
  }

  /**
   * A name stored before bidirectional controls were refused (written into etcd by hand here) is
   * shown with the control as a visible escape, in the editor, in the problem that says why it
   * cannot be saved and in the table view, instead of reversing the text after it.
   */
  @Test
  void aStoredNameWithABidirectionalControlShowsItEscapedWithItsProblemAtItsPath() {
    etcd.server()
        .put(
            "/sluice/v1/rules/bidi-stored",
            """
            {"schemaVersion": 1, "service": "bidi-stored",
             "sampling": {"defaultRatio": 0.5,
               "rules": [{"name": "drop\u202ehealth", "match": {"spanName": "GET /health*"},
                          "ratio": 0.0}]}}""");
    open(WRITER_TOKEN, "/service/bidi-stored/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"drop\\u202ehealth\""));
    assertThat(editor.getAttribute("value")).doesNotContain("\u202e");
    WebElement problem =
        waitFor(
            By.cssSelector("[data-test=problems] button[data-path='$.sampling.rules[0].name']"));
    assertThat(problem.getText()).contains("'drop\\u202ehealth'").doesNotContain("\u202e");
    // and so does the table view of the rules
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(
            () ->
                browser.findElements(By.cssSelector("[data-test=structured] .rule-name")).stream()
                    .anyMatch(e -> e.getText().equals("drop\\u202ehealth")));
  }

  /**
   * Agents are any process that can write to etcd, and history entries written before comments were
   * held to one line may hold anything: a right-to-left override or a line break in an agent's
   * status (written into etcd here) or in a stored history entry shows as a visible escape on the
   * overview, the agents and dependencies tabs and in the history, instead of reordering or
   * splitting what the operator reads; and so it is in the labels a screen reader reads out and the
   * attributes rows are known by.
   */
  @Test
  void hiddenCharactersFromAgentsAndStoredHistoryShowEscaped() {
    long revision = storeOrdersDocumentAs("bidi-agents");
    String agentKey = "/sluice/v1/agents/bidi-agents/bidi-1\u202elive";
    String oddServiceKey = "/sluice/v1/agents/bidi\u202eagents/bidi-2";
    Instant now = Instant.now();
    etcd.server()
        .put(
            agentKey,
            AgentStatusCodec.write(
                new AgentStatus(
                    "bidi-1\u202elive",
                    "bidi-agents",
                    "host\u202e-1",
                    41,
                    new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
                    now,
                    now,
                    "etcd",
                    0,
                    new AgentStatus.Rejection(
                        revision, List.of("$.sampling: fine\u202e enil\nforged line")),
                    List.of(
                        new AgentStatus.BreakerState(
                            "pay\u202ements", "pay\u202ements:8080", "OPEN", 60, 0, false)),
                    List.of(
                        new AgentStatus.TargetStats("ledger\u202e:9000", 300, 3, 40.0, null)))));
    etcd.server()
        .put(
            oddServiceKey,
            AgentStatusCodec.write(
                new AgentStatus(
                    "bidi-2",
                    "bidi\u202eagents",
                    "host-2",
                    42,
                    new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
                    now,
                    now,
                    "etcd",
                    0,
                    null,
                    List.of(),
                    List.of())));
    HistoryCodec history = controlPlane.getBean(HistoryCodec.class);
    etcd.server()
        .put(
            "/sluice/v1/history/bidi-agents/" + String.format(Locale.ROOT, "%020d", 1),
            history.write(
                new HistoryEntry(
                    1,
                    "bidi-agents",
                    HistoryAction.PUT,
                    "mallory\u202eecila",
                    Instant.parse("2025-01-02T03:04:05Z"),
                    "approved\u202e\nby ops",
                    null,
                    history.tree(
                        ordersDocument(0.0)
                            .replace("\"service\": \"orders\"", "\"service\": \"bidi-agents\"")))));
    // and one without a comment (the API sends "comment": null)
    etcd.server()
        .put(
            "/sluice/v1/history/bidi-agents/" + String.format(Locale.ROOT, "%020d", 2),
            history.write(
                new HistoryEntry(
                    2,
                    "bidi-agents",
                    HistoryAction.PUT,
                    "ops",
                    Instant.parse("2025-01-02T03:05:05Z"),
                    null,
                    null,
                    history.tree(
                        ordersDocument(0.1)
                            .replace("\"service\": \"orders\"", "\"service\": \"bidi-agents\"")))));
    try {
      open(WRITER_TOKEN, "/");
      awaitText(By.cssSelector("table.services"), "bidi\\u202eagents");
      assertThat(labelsWithHiddenCharacters()).isEmpty();
      // (a backslash escaped for CSS)
      awaitText(
          By.cssSelector("tr[data-service='bidi\\\\u202eagents'] a.service-link"),
          "bidi\\u202eagents");

      browser.get(baseUrl() + "/#/service/bidi-agents/agents");
      String row = "tr[data-service='bidi-agents'] ";
      awaitText(By.cssSelector(row + "[data-test=agent-status]"), "rejected");
      click(By.cssSelector(row + "details.rejection summary"));
      assertThat(visibleText(row + "[data-test=instance]")).isEqualTo("bidi-1\\u202elive");
      assertThat(visibleText(row + "[data-test=agent-host]")).isEqualTo("host\\u202e-1 (41)");
      assertThat(visibleText(row + "[data-test=rejection-error]"))
          .isEqualTo("$.sampling: fine\\u202e enil\\nforged line");
      assertThat(visibleText(row + ".chip-label")).isEqualTo("pay\\u202ements:8080");
      assertThat(browser.findElement(By.cssSelector(row)).getAttribute("data-instance"))
          .isEqualTo("bidi-1\\u202elive");
      assertThat(labelsWithHiddenCharacters()).isEmpty();
      screenshots.save("13-agent-with-hidden-characters");

      click(By.id("tab-dependencies"));
      awaitText(By.cssSelector("[data-test=target]"), "ledger\\u202e:9000");
      assertThat(
              waitFor(
                      By.cssSelector(
                          "tr[data-target='ledger\\\\u202e:9000'] [data-test=add-policy]"))
                  .getAttribute("aria-label"))
          .isEqualTo("Add the suggested policy for ledger\\u202e:9000 to the editor");
      assertThat(labelsWithHiddenCharacters()).isEmpty();

      click(By.id("tab-history"));
      String entry = "tr[data-revision='1'] ";
      awaitText(By.cssSelector(entry + "td.comment"), "approved");
      assertThat(visibleText(entry + "td.comment")).isEqualTo("approved\\u202e\\nby ops");
      assertThat(visibleText(entry + "[data-test=author]")).isEqualTo("mallory\\u202eecila");
      assertThat(visibleText("tr[data-revision='2'] td.comment")).as("no comment").isEmpty();
      assertThat(labelsWithHiddenCharacters()).isEmpty();

      // the page of the service only an agent names so: its sections are labelled so
      browser.get(baseUrl() + "/#/service/bidi%E2%80%AEagents/agents");
      awaitText(By.cssSelector("[data-test=service-name]"), "bidi\\u202eagents");
      awaitText(By.cssSelector("tr[data-instance='bidi-2'] [data-test=instance]"), "bidi-2");
      assertThat(browser.findElement(By.cssSelector("[role=tablist]")).getAttribute("aria-label"))
          .isEqualTo("bidi\\u202eagents sections");
      assertThat(labelsWithHiddenCharacters()).isEmpty();
    } finally {
      etcd.server().delete(agentKey);
      etcd.server().delete(oddServiceKey);
    }
  }

  /**
   * Two targets whose hosts differ only in an IPv6 zone's case go out through two interfaces, and
   * each gets its own suggested policy: adding the second to the editor adds it, rather than taking
   * the first one's policy for a policy of the same target.
   */
  @Test
  void suggestedPoliciesForTwoZonesDifferingInCaseAreBothAdded() {
    String service = "zoned";
    storeOrdersDocumentAs(service);
    String agentKey = "/sluice/v1/agents/" + service + "/zoned-1";
    Instant now = Instant.now();
    etcd.server()
        .put(
            agentKey,
            AgentStatusCodec.write(
                new AgentStatus(
                    "zoned-1",
                    service,
                    "host-1",
                    43,
                    new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
                    now,
                    now,
                    "etcd",
                    0,
                    null,
                    List.of(),
                    List.of(
                        new AgentStatus.TargetStats("[fe80::1%ETH0]:80", 300, 3, 40.0, null),
                        new AgentStatus.TargetStats("[fe80::1%eth0]:80", 200, 2, 40.0, null)))));
    try {
      open(WRITER_TOKEN, "/service/" + service + "/rules");
      WebElement editor = waitFor(By.id("rules-editor"));
      for (String target : List.of("[fe80::1%ETH0]:80", "[fe80::1%eth0]:80")) {
        click(By.id("tab-dependencies"));
        click(By.cssSelector("tr[data-target='" + target + "'] [data-test=add-policy]"));
        await("the rules tab shows")
            .atMost(BOUND)
            .until(() -> browser.getCurrentUrl().endsWith("/rules"));
      }
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(editor.getAttribute("value"))
                      .contains("\"host\": \"fe80::1%ETH0\"")
                      .contains("\"host\": \"fe80::1%eth0\""));
    } finally {
      etcd.server().delete(agentKey);
    }
    discardEdits();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The labels, titles and data attributes on the page that hold a hidden character (the ones the
   * page shows as escapes), each as {@code tag name="value"}.
   */
  @SuppressWarnings("unchecked")
  private static List<String> labelsWithHiddenCharacters() {
    return (List<String>)
        js(
            "const hidden = /[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f"
                + "\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]/;"
                + " return [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                + " .filter(a => /^(aria-|data-|title$|alt$)/.test(a.name) && hidden.test(a.value))"
                + " .map(a => `${e.tagName.toLowerCase()}"
                + " ${a.name}=${JSON.stringify(a.value)}`));");
  }

  /** The text shown on the page (not only in the DOM), which must hold no hidden character. */
  private static String visibleText(String css) {
    String text = waitFor(By.cssSelector(css)).getText();
    assertThat(text).as(css).doesNotContain("\u202e").doesNotContain("\n");
    return text;
  }

  /**
   * A row moves up when one before it goes away: the overview's link, which a keyboard user was on,
   * keeps the focus instead of dropping it to the page.
   */
  @Test
  void anOverviewRowThatMovesUpKeepsTheKeyboardFocus() {
    long first = storeOrdersDocumentAs("focus-a");
    storeOrdersDocumentAs("focus-b");
    open(WRITER_TOKEN, "/");
    WebElement link = waitFor(By.cssSelector("tr[data-service='focus-b'] a"));
    js("arguments[0].focus();", link);

    HttpResponse<String> deleted =
        api(
            "DELETE",
            "/api/v1/services/focus-a/rules",
            OTHER_WRITER_TOKEN,
            null,
            Map.of("If-Match", "\"" + first + "\""));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    await()
        .atMost(BOUND)
        .alias("the deleted service leaves the overview")
        .until(() -> browser.findElements(By.cssSelector("tr[data-service='focus-a']")).isEmpty());
    assertThat(js("return document.activeElement === arguments[0];", link)).isEqualTo(true);
    api("DELETE", "/api/v1/services/focus-b/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Someone deletes the rules while a writer edits them: the 412 says they were deleted, by whom
   * and why (not "revision 0 is current"), and re-applying keeps the writer's document to save.
   */
  @Test
  void aSaveAfterSomeoneDeletedTheRulesSaysSoAndCanStoreThemAgain() {
    long revision = storeOrdersDocumentAs("vanishing");
    open(WRITER_TOKEN, "/service/vanishing/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    type(
        editor,
        editor.getAttribute("value").replace("\"defaultRatio\": 0.1", "\"defaultRatio\": 0.3"));
    HttpResponse<String> deleted =
        api(
            "DELETE",
            "/api/v1/services/vanishing/rules",
            OTHER_WRITER_TOKEN,
            null,
            Map.of("If-Match", "\"" + revision + "\"", "X-Sluice-Comment", "retired"));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    // the page hears of the delete (its event stream) and says so over the edits, which it keeps;
    // waited for so that the review below does not race the event on a loaded machine
    awaitText(By.cssSelector("[data-test=newer]"), "These rules were deleted meanwhile");

    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=conflict]"), "Someone else deleted these rules");
    awaitText(By.cssSelector("[data-test=conflict-who]"), "The rules were deleted");
    assertThat(browser.findElement(By.cssSelector("[data-test=conflict-who]")).getText())
        .contains("bob")
        .contains("retired")
        .doesNotContain("Revision 0");
    click(By.cssSelector("[data-test=reapply]"));
    awaitText(By.cssSelector("[data-test=reapplied]"), "deleted meanwhile");
    assertThat(browser.findElement(By.cssSelector("[data-test=reapplied]")).getText())
        .doesNotContain("revision null");
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    assertThat(api("GET", "/api/v1/services/vanishing/rules", READER_TOKEN, null, Map.of()).body())
        .contains("0.3");
    api("DELETE", "/api/v1/services/vanishing/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Past the 1000 problems the control plane lists one by one (the last entry then counts the
   * rest), the page says how many it found, from the answer's {@code problemCount}: after a save
   * and after a dry run of the draft, not the 1001 entries listed.
   */
  @Test
  void countsEveryProblemTheControlPlaneFoundNotOnlyTheListedOnes() {
    long revision = storeOrdersDocumentAs("many-problems");
    open(WRITER_TOKEN, "/service/many-problems/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    // 1501 rules of one name: the schema cannot say so, the control plane finds 1500 duplicates
    String rules = String.join(",", Collections.nCopies(1501, "{\"name\": \"r\", \"ratio\": 1}"));
    type(
        editor,
        "{\"schemaVersion\": 1, \"service\": \"many-problems\", \"sampling\": {\"rules\": ["
            + rules
            + "]}}");
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    waitFor(By.cssSelector("[data-test=server-errors]"));
    awaitText(By.id("editor-status"), "The control plane found 1500 problems:");
    assertThat(
            browser.findElements(By.cssSelector("[data-test=problems] button[data-source=server]")))
        .hasSize(1001);

    // the focus went to the first problem, below: the tabs are under the sticky top bar
    js("window.scrollTo(0, 0)");
    click(By.id("tab-dry-run"));
    click(By.id("dry-span"));
    WebElement name = waitFor(By.id("dry-span-name"));
    name.clear();
    name.sendKeys("GET /health");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(
        By.cssSelector("[data-test=dry-run-draft-invalid]"),
        "the control plane found 1500 problems");

    js("window.scrollTo(0, 0)");
    click(By.id("tab-rules"));
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.id("editor-status"), "No problems found.");
    api("DELETE", "/api/v1/services/many-problems/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * An attribute line the dry run cannot read (no '=', nothing before it, a key given twice) is
   * named, and nothing is evaluated: such lines were left out, or the last value kept, and the
   * verdict was about another span than the one typed ("No sampling rule matches").
   */
  @Test
  void aDryRunNamesAttributeLinesItCannotRead() {
    String service = "dry-lines";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/dry-run");
    WebElement name = waitFor(By.id("dry-span-name"));
    name.clear();
    name.sendKeys("GET /checkout/1");
    WebElement attributes = waitFor(By.id("dry-attributes"));
    attributes.sendKeys(
        "url.path: /checkout/1\n\nhttp.request.method=GET\n=x\nhttp.request.method=POST");
    click(By.cssSelector("[data-test=evaluate]"));

    awaitText(By.cssSelector("[data-test=dry-run-attributes-invalid]"), "Not evaluated");
    assertThat(browser.findElements(By.cssSelector("[data-test=dry-run-result] .problems li")))
        .extracting(WebElement::getText)
        .containsExactly(
            "line 1: 'url.path: /checkout/1' is not key=value",
            "line 4: '=x' is not key=value",
            "line 5: 'http.request.method' is given on line 3 already");
    assertThat(browser.findElements(By.cssSelector("[data-test=deciding-rule]"))).isEmpty();

    attributes.clear();
    attributes.sendKeys("url.path=/health");
    name.clear();
    name.sendKeys("GET /health");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), "drop-health");
  }

  /**
   * "Skip to content" moves the focus to the page's content and stays on the service page. Its
   * {@code #main} was read as a page address: the overview was drawn instead (or, with edits, the
   * user was asked whether to leave them).
   */
  @Test
  void skipToContentStaysOnTheServicePage() {
    String service = "skip-link";
    long revision = storeOrdersDocumentAs(service);
    openEditorOf(service, revision);
    js("document.querySelector('.skip-link').click();");

    assertThat(js("return document.activeElement.id")).isEqualTo("main");
    assertThat(js("return location.hash")).isEqualTo("#/service/" + service + "/rules");
    assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    assertThat(browser.findElements(By.id("rules-editor"))).hasSize(1);
  }

  /** The call's URL field, hidden while a span is evaluated, must not stop the span's dry run. */
  @Test
  void anInvalidUrlLeftInTheHiddenCallFieldsDoesNotStopASpansDryRun() {
    String service = "dry-url";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/dry-run");
    click(By.id("dry-call"));
    WebElement url = waitFor(By.id("dry-url"));
    url.clear();
    url.sendKeys("not a url");
    click(By.id("dry-span"));
    WebElement name = waitFor(By.id("dry-span-name"));
    name.clear();
    name.sendKeys("GET /health");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), "drop-health");
  }

  /**
   * Names up to 63 characters and instance ids of any length show whole: two that differ only at
   * the end must not look the same.
   */
  @Test
  void longServiceNamesAndInstanceIdsShowWhole() {
    String name = "a" + "b".repeat(61) + "c";
    storeOrdersDocumentAs(name);
    open(WRITER_TOKEN, "/");
    WebElement cell = waitFor(By.cssSelector("tr[data-service='" + name + "'] th"));
    assertThat(js("return arguments[0].scrollWidth <= arguments[0].clientWidth;", cell))
        .isEqualTo(true);
    Object cut =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/agents-panel.js')]).then(([m, p]) => {"
                + " const id = 'orders-7d9f8b6c5-' + 'x'.repeat(60) + '-tail';"
                + " const view = m.agentView({ instanceId: id, service: 'x',"
                + " host: 'h'.repeat(90), pid: 7, appliedRevision: 2 }, 2);"
                + " const root = document.createElement('div');"
                + " document.getElementById('main').appendChild(root);"
                + " const panel = new p.AgentsPanel(root, { on() {}, unreadableAgents: () => 0,"
                + " sluiceVersions: () => null,"
                + " agentViews:"
                + " () => [view] });"
                + " panel.render();"
                + " const cells = [...root.querySelectorAll('tbody th, tbody td')];"
                + " const cut = cells.filter(c => c.scrollWidth > c.clientWidth).length;"
                + " root.remove(); done(cut);"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(cut).isEqualTo(0L);
    api("DELETE", "/api/v1/services/" + name + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The UI's files are revalidated on every load: cached by heuristic, a browser would keep running
   * the old modules for hours after an upgrade, possibly beside new ones.
   */
  @Test
  void theUisFilesAreRevalidatedOnEveryLoad() {
    for (String path : List.of("/", "/js/app.js", "/js/rules-panel.js", "/css/app.css")) {
      HttpResponse<String> file = api("GET", path, READER_TOKEN, null, Map.of());
      assertThat(file.statusCode()).as(path).isEqualTo(200);
      assertThat(file.headers().firstValue("Cache-Control")).as(path).hasValue("no-cache");
    }
  }

  /**
   * The token stops being accepted while a writer has unsaved edits (revoked, or the control plane
   * restarted with other tokens): another writer signing in next in the tab gets none of them, and
   * their sign-out leaves them kept; signing in again as the writer brings the edits and the
   * comment back.
   */
  @Test
  void editsOutliveASessionThatEndsUnderTheWriterForTheWriterOnly() {
    long revision = storeOrdersDocumentAs("kept-draft");
    open(WRITER_TOKEN, "/service/kept-draft/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = editTheDefaultRatio();
    waitFor(By.id("change-comment")).sendKeys("halve the noise");

    setTheTabsTokenAndClick("a-token-the-control-plane-no-longer-has", By.id("tab-history"));
    awaitText(By.id("sign-in-error"), "unsaved edits to the rules of kept-draft are kept");

    // bob signs in next in the tab: alice's edits are not his, and his sign-out keeps them hers
    signIn(OTHER_WRITER_TOKEN);
    awaitRole("writer");
    click(By.id("tab-rules"));
    WebElement bobs = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> bobs.getAttribute("value").contains("drop-health"));
    assertThat(bobs.getAttribute("value")).contains("\"defaultRatio\": 0.1");
    assertThat(browser.findElement(By.id("change-comment")).getAttribute("value")).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=draft-restored]"))).isEmpty();
    assertThat(beforeUnloadIsRefused()).isFalse();
    click(By.id("sign-out"));
    waitFor(By.id("token"));
    assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNotNull();

    signIn(WRITER_TOKEN);
    awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
    WebElement restored = waitFor(By.id("rules-editor"));
    assertThat(restored.getAttribute("value")).contains("\"defaultRatio\": 0.4");
    assertThat(browser.findElement(By.id("change-comment")).getAttribute("value"))
        .isEqualTo("halve the noise");
    assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();

    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    await()
        .atMost(BOUND)
        .until(() -> restored.getAttribute("value").contains("\"defaultRatio\": 0.1"));
    api("DELETE", "/api/v1/services/kept-draft/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Sessions end under a writer twice, with unsaved edits to one service's rules and then to
   * another's: each service's page gets its own edits back, once, the first not lost to the second.
   */
  @Test
  void editsKeptForTwoServicesComeBackEachToItsOwnPage() {
    String first = "kept-draft-first";
    String second = "kept-draft-second";
    long firstRevision = storeOrdersDocumentAs(first);
    long secondRevision = storeOrdersDocumentAs(second);
    editThenLoseTheSession(first, firstRevision, 0.4);
    js("location.hash = arguments[0];", "#/service/" + second + "/rules");
    signIn(WRITER_TOKEN);
    editThenLoseTheSession(second, secondRevision, 0.7);

    signIn(WRITER_TOKEN);
    awaitText(
        By.cssSelector("[data-test=draft-restored]"), "started from revision " + secondRevision);
    assertThat(waitFor(By.id("rules-editor")).getAttribute("value"))
        .contains("\"defaultRatio\": 0.7");
    assertThat(browser.findElement(By.id("change-comment")).getAttribute("value"))
        .isEqualTo("edits to " + second);
    discardEdits();

    js("location.hash = arguments[0];", "#/service/" + first + "/rules");
    awaitText(
        By.cssSelector("[data-test=draft-restored]"), "started from revision " + firstRevision);
    assertThat(waitFor(By.id("rules-editor")).getAttribute("value"))
        .contains("\"defaultRatio\": 0.4");
    assertThat(browser.findElement(By.id("change-comment")).getAttribute("value"))
        .isEqualTo("edits to " + first);
    assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();
    discardEdits();
    api("DELETE", "/api/v1/services/" + first + "/rules", WRITER_TOKEN, null, Map.of());
    api("DELETE", "/api/v1/services/" + second + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A kept draft comes back under a newer revision: the page says both that the edits are back and
   * that a newer revision is current, and reads both out. Written into the polite live region one
   * after the other as the editor was drawn, the second replaced the first before it was read.
   */
  @Test
  void aDraftRestoredUnderANewerRevisionIsReadOutWithIt() {
    String service = "kept-draft-newer";
    long revision = storeOrdersDocumentAs(service);
    editThenLoseTheSession(service, revision, 0.4);
    long newer = storeOrdersDocumentAs(service, 0.5);
    recordWhatTheRegionHolds("status");
    signIn(WRITER_TOKEN);
    awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
    awaitText(By.cssSelector("[data-test=newer]"), "Revision " + newer + " is now current");
    // read out together: the region held both at once (the earlier words go a second later, which
    // a slow machine's next WebDriver command may come after)
    assertThat(heldByTheRegion("status"))
        .anySatisfy(
            held ->
                assertThat(held)
                    .contains("are back in the editor (they started from revision " + revision)
                    .contains("Revision " + newer + " is now current"));
    discardEdits();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Edits {@code service}'s rules (its default ratio to {@code ratio}, and a comment), then the
   * writer's token stops being accepted: the sign-in form says the edits are kept.
   */
  private void editThenLoseTheSession(String service, long revision, double ratio) {
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains(service));
    type(
        editor,
        editor
            .getAttribute("value")
            .replace("\"defaultRatio\": 0.1", "\"defaultRatio\": " + ratio));
    waitFor(By.id("change-comment")).sendKeys("edits to " + service);
    setTheTabsTokenAndClick("a-token-the-control-plane-no-longer-has", By.id("tab-history"));
    awaitText(By.id("sign-in-error"), "unsaved edits to the rules of " + service + " are kept");
  }

  /**
   * The tab's storage is full (about 5 MB per site) when a writer's session ends under unsaved
   * edits: the page still goes on to the sign-in form, which says that the edits could not be kept,
   * and an older draft of the same service kept before is not offered back in their place.
   */
  @Test
  void editsTheFullStorageCannotKeepAreSaidToBeLost() {
    String service = "draft-storage-full";
    long revision = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = editTheDefaultRatio();
    // edits of this service kept in an earlier session of alice's
    js(
        "sessionStorage.setItem('sluice.drafts', JSON.stringify({'token:alice': {[arguments[0]]:"
            + " {service: arguments[0], base: 1, text: '{\"older\": true}', comment: '',"
            + " why: 'your session ended'}}}));",
        service);
    try {
      // the storage filled up to less than 64 characters, by ever smaller pieces
      js(
          "let i = 0; for (let size = 1 << 20; size >= 64; size >>= 1) {"
              + " for (;;) { try { sessionStorage.setItem('filler-' + i, 'x'.repeat(size)); i++; }"
              + " catch (e) { break; } } }");
      setTheTabsTokenAndClick("a-token-the-control-plane-no-longer-has", By.id("tab-history"));
      awaitText(
          By.id("sign-in-error"),
          "unsaved edits to the rules of "
              + service
              + " could not be kept: this tab's storage is"
              + " full");
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();
      // nor does the storage keep a sign-in now: the form says so, not the browser's quota error
      js(
          "let i = 0; for (let size = 64; size >= 1; size >>= 1) {"
              + " for (;;) { try { sessionStorage.setItem('filler-small-' + i, 'x'.repeat(size));"
              + " i++; } catch (e) { break; } } }");
      signIn(WRITER_TOKEN);
      awaitText(
          By.id("sign-in-error"), "This tab's storage is full, so the sign-in cannot be kept");
    } finally {
      js(
          "Object.keys(sessionStorage).filter(k => k.startsWith('filler-'))"
              + ".forEach(k => sessionStorage.removeItem(k));");
    }
    signIn(WRITER_TOKEN);
    awaitRole("writer");
    click(By.id("tab-rules"));
    WebElement again = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> again.getAttribute("value").contains(service));
    assertThat(again.getAttribute("value")).contains("\"defaultRatio\": 0.1");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A reader's page says that the edits a sign-in that may write would get back are kept in the
   * tab: its Discard (once confirmed) forgets them, and the reader's sign-out then keeps nothing.
   */
  @Test
  void aReadersPageDiscardsTheDraftItSaysIsKept() {
    String service = "kept-draft-discarded";
    long revision = storeOrdersDocumentAs(service);
    open(READER_TOKEN, "/");
    waitFor(By.cssSelector("table.services"));
    // edits rita kept as a writer, before her token became a reader's
    assertThat(
            asyncJs(
                "const [service, revision, done] = arguments;"
                    + " import('/js/api.js').then(m => done("
                    + " m.session.keepDraft(m.draftOwner('t', 'rita'), {service, text: '{}',"
                    + " comment: '', why: 'your role changed', base: {revision,"
                    + " document: null}})))"
                    + " .catch(e => done('failed: ' + e));",
                service,
                revision))
        .isEqualTo(true);
    js("location.hash = arguments[0];", "#/service/" + service + "/rules");
    awaitText(
        By.cssSelector("[data-test=draft-kept]"),
        "Your unsaved edits to these rules from before your role changed are kept");
    // only rita's sign-in gets them back: the notice does not send her to any writer's token
    assertThat(browser.findElement(By.cssSelector("[data-test=draft-kept]")).getText())
        .contains("Sign in again as the same user with a token that may write")
        .contains("no other user's sign-in gets them");

    click(By.cssSelector("[data-test=discard-kept-draft]"));
    click(By.cssSelector("dialog [data-test=cancel]"));
    assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNotNull();
    click(By.cssSelector("[data-test=discard-kept-draft]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("[data-test=kept-draft-discarded]"), "The kept draft is discarded.");
    assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();
    assertThat(browser.findElements(By.cssSelector("[data-test=draft-kept]"))).isEmpty();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /** Discards the editor's edits (after its confirm dialog), leaving a page that may be left. */
  private static void discardEdits() {
    click(By.cssSelector("[data-test=discard]"));
    click(By.cssSelector("dialog [data-test=confirm]"));
    await().atMost(BOUND).until(() -> !beforeUnloadIsRefused());
  }

  /**
   * A whole number past 2^53 in a match (an attribute value, which a long attribute can hold):
   * JavaScript reads it rounded, but the editor sends its text as written and, once saved, holds
   * what the control plane stored (the number's text), so saving another change later keeps every
   * digit instead of storing the rounded number.
   */
  @Test
  void aWholeNumberPastTwoToThe53KeepsItsDigitsThroughTheNextSave() {
    String service = "big-number";
    String big = "9007199254740993"; // 2^53 + 1, read as 9007199254740992 by JavaScript
    long revision = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"service\": \"" + service + "\""));
    // where a whole number must be small, the editor's check quotes it as written
    type(
        editor,
        documentFor(service, 0.0).replace("\"minimumCalls\": 10", "\"minimumCalls\": " + big));
    assertThat(
            waitFor(
                    By.cssSelector(
                        "[data-test=problems] button[data-path='$.breakers[0].minimumCalls']"))
                .getText())
        .contains("must be at most 2147483647, not " + big);
    type(
        editor,
        documentFor(service, 0.0)
            .replace(
                "\"url.path\": \"/checkout/**\"",
                "\"url.path\": \"/checkout/**\", \"order.id\": " + big));
    awaitText(By.id("editor-status"), "No problems found.");
    // what the save sends, not its rounded reading, in the table view and the review's diff
    assertThat(
            browser
                .findElement(By.cssSelector("[data-test=structured]"))
                .getDomProperty("textContent"))
        .contains("order.id = " + big);
    click(By.cssSelector("[data-test=review]"));
    assertThat(
            waitFor(By.cssSelector("[data-test=diff]")).findElements(By.cssSelector("tr.diff-add")))
        .extracting(WebElement::getText)
        .anyMatch(line -> line.contains("\"order.id\": " + big))
        .noneMatch(line -> line.contains("9007199254740992"));
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    long saved = currentRevisionShown();
    await("the editor holds the number as stored")
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"order.id\": \"" + big + "\""));
    assertThat(beforeUnloadIsRefused()).isFalse();

    type(
        editor,
        editor.getAttribute("value").replace("\"defaultRatio\": 0.1", "\"defaultRatio\": 0.2"));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    click(By.cssSelector("[data-test=save]"));
    await("a second save").atMost(BOUND).until(() -> currentRevisionShown() > saved);
    HttpResponse<String> stored =
        api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of());
    assertThat(stored.body())
        .contains("\"defaultRatio\":0.2")
        .contains("\"order.id\":\"" + big + "\"");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A whole number past 2^53 where the table view writes a value into its text (a breaker's port,
   * its window type, its open mode): the editor keeps it as written (JSON.rawJSON, an object
   * without a prototype), which the table view must write as JSON, not with String(), which throws.
   * Else the editor's check stops there: the problem is never listed and the review never opens.
   */
  @Test
  void aWholeNumberPastTwoToThe53InABreakersFieldsIsListedAsAProblem() {
    String service = "big-port";
    String big = "9007199254740993";
    long revision = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"service\": \"" + service + "\""));
    type(
        editor,
        documentFor(service, 0.0)
            .replace("\"port\": 8080", "\"port\": " + big)
            .replace("\"type\": \"COUNT\"", "\"type\": " + big));
    assertThat(
            waitFor(
                    By.cssSelector(
                        "[data-test=problems] button[data-path='$.breakers[0].match.port']"))
                .getText())
        .contains("must be at most 65535, not " + big);
    assertThat(
            browser
                .findElement(By.cssSelector("[data-test=structured]"))
                .getDomProperty("textContent"))
        .contains("payments*:" + big + "/pay/**")
        .doesNotContain("8080");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A save went through and is being read back: the editor holds exactly what was saved, which is
   * no unsaved edit, so neither a reload nor leaving the page asks about losing it; what is typed
   * on top of it still counts.
   */
  @Test
  void aSaveBeingReadBackIsNoUnsavedEdit() {
    String service = "saved-read-back-not-unsaved";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      String saved = documentFor(service, 0.2);
      saveWithTheReadBackHeld(service, editor, saved);
      assertThat(beforeUnloadIsRefused()).isFalse();
      type(editor, documentFor(service, 0.3));
      assertThat(beforeUnloadIsRefused()).isTrue();
      type(editor, saved);
      assertThat(beforeUnloadIsRefused()).isFalse();
      click(By.cssSelector("#crumbs a[href='#/']"));
      await("the overview is drawn")
          .atMost(BOUND)
          .until(() -> browser.findElements(By.id("rules-editor")).isEmpty());
      assertThat(browser.findElements(By.cssSelector("dialog[open]"))).isEmpty();
      js("window.__readBack.release()");
      await("the save is stored")
          .atMost(BOUND)
          .until(
              () ->
                  revisionOf(
                          api(
                              "GET",
                              "/api/v1/services/" + service + "/rules",
                              READER_TOKEN,
                              null,
                              Map.of()))
                      > revision);
    } finally {
      js(
          "if (window.__readBack) { window.__readBack.release?.(); window.fetch ="
              + " window.__readBack.unheld; }");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * "Discard edits" while a save that went through is read back, on a page that has not heard of
   * the saved revision yet (its event stream closed): the editor goes back to what was saved, which
   * is its base once read back, not to the revision before it, which stayed as unsaved edits on top
   * of the saved revision (a next save would have undone this one).
   */
  @Test
  void discardWhileASaveIsReadBackKeepsWhatWasSaved() {
    String service = "discard-during-read-back";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      // the save's event is not heard: the page's current revision is the one before the save
      js("window.dispatchEvent(new Event('pagehide'))");
      saveWithTheReadBackHeld(service, editor, documentFor(service, 0.2));
      click(By.cssSelector("[data-test=discard]"));
      assertThat(browser.findElements(By.cssSelector("dialog[open]"))).isEmpty();
      js("window.__readBack.release()");
      awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
      assertThat(beforeUnloadIsRefused()).isFalse();
      assertThat(editor.getDomProperty("value")).contains("\"ratio\": 0.2");
    } finally {
      js(
          "if (window.__readBack) { window.__readBack.release?.(); window.fetch ="
              + " window.__readBack.unheld; }");
      // the page comes back as from the back-forward cache, live again: the pagehide alone left
      // its event stream closed, and the next test, opened in this same document (open), heard
      // no change events (aNewRevisionKeepsTheOlderHistoryPagesOpenAndTheFocus saw its history
      // redrawn only by the page's 15 s re-read)
      js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The editor is typed into while its save is answered and read back (an impatient writer goes on
   * with the next change): those edits stay in the editor as unsaved ones on top of the saved
   * revision, not replaced by what was saved.
   */
  @Test
  void editsTypedWhileASaveIsReadBackStayInTheEditor() {
    String service = "typed-during-save";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      saveWithTheReadBackHeld(service, editor, documentFor(service, 0.2));
      String next = documentFor(service, 0.3);
      type(editor, next);
      js("window.__readBack.release()");
      awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
      assertThat(currentRevisionShown()).isGreaterThan(revision);
      assertThat(editor.getAttribute("value")).isEqualTo(next);
      // the outcome does not take the focus from the editor typed into: it announces itself
      assertThat(js("return document.activeElement.id")).isEqualTo("rules-editor");
      // read out through the polite live region, the notice itself being none
      assertThat(announced("status")).contains("Saved as revision");
      assertThat(browser.findElement(By.cssSelector("[data-test=saved]")).getAttribute("role"))
          .isNull();
      assertThat(beforeUnloadIsRefused()).isTrue();
    } finally {
      js("window.fetch = window.__readBack.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The session ends under a writer while their save is under way (stored, its answer not yet in):
   * the edits are kept as a draft, then the save's answer comes, which is said (the sign-in form
   * said the edits are kept). Signed in again, the writer is not offered what was saved as unsaved
   * edits: the draft is gone, the editor holds the saved revision. The second time the writer signs
   * in again before the answer comes, with the draft (and what they typed after the save began)
   * back in the editor: the answer makes the saved revision the draft's base, and only what was
   * typed since stays unsaved.
   */
  @Test
  void aSaveThatGoesThroughAfterItsEditsWereKeptLeavesOnlyLaterEditsUnsaved() {
    String service = "draft-saved-meanwhile";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      saveWithTheAnswerHeld(service, editor, documentFor(service, 0.2));
      loseTheSessionOver(service);
      js("window.__answer.release()");
      await("the kept draft of the saved edits goes")
          .atMost(BOUND)
          .until(() -> js("return sessionStorage.getItem('sluice.drafts');") == null);
      // the sign-in form said the edits are kept: that they went through after all is said too
      awaitText(By.id("toast"), "under way when the page closed, went through: it is revision ");
      String told = browser.findElement(By.id("toast")).getText();
      signIn(WRITER_TOKEN);
      awaitRole("writer");
      click(By.id("tab-rules"));
      await().atMost(BOUND).until(() -> currentRevisionShown() > revision);
      long saved = currentRevisionShown();
      assertThat(told)
          .isEqualTo(
              "Your save of the rules of "
                  + service
                  + ", under way when the page closed, went through: it is revision "
                  + saved
                  + ".");
      WebElement again = waitFor(By.id("rules-editor"));
      await().atMost(BOUND).until(() -> again.getAttribute("value").contains("\"ratio\": 0.2"));
      assertThat(browser.findElements(By.cssSelector("[data-test=draft-restored]"))).isEmpty();
      assertThat(beforeUnloadIsRefused()).isFalse();

      saveWithTheAnswerHeld(service, again, documentFor(service, 0.3));
      String later = documentFor(service, 0.35);
      type(again, later);
      loseTheSessionOver(service);
      signIn(WRITER_TOKEN);
      awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + saved);
      WebElement restored = waitFor(By.id("rules-editor"));
      assertThat(restored.getAttribute("value")).isEqualTo(later);
      // the toast of the first save may still be shown
      js("document.querySelectorAll('#toast .toast-item').forEach(t => t.remove());");
      js("window.__answer.release()");
      awaitText(By.cssSelector("[data-test=draft-saved]"), "What you changed since is not saved");
      // the page that restored the draft says it went through, not a toast as well
      assertThat(browser.findElement(By.id("toast")).getText())
          .doesNotContain("under way when the page closed");
      await().atMost(BOUND).until(() -> currentRevisionShown() > saved);
      assertThat(restored.getAttribute("value")).isEqualTo(later);
      assertThat(browser.findElement(By.cssSelector("[data-test=newer]")).isDisplayed()).isFalse();
      assertThat(beforeUnloadIsRefused()).isTrue();
      discardEdits();
      assertThat(restored.getAttribute("value")).contains("\"ratio\": 0.3");
    } finally {
      js("if (window.__answer) window.fetch = window.__answer.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer's save is stored, and before the page reads it back another page of the tab signs out,
   * then (signed in again) in as bob: the read-back is not sent, and the page drawn anew says that
   * the save went through, as which revision, and keeps no draft of what it saved. Kept, the draft
   * was said to be kept on the sign-in form while the save's answer dropped it.
   */
  @Test
  void aSaveThatWentThroughBeforeTheTabsSessionChangedSaysSoAndKeepsNothing() {
    String service = "saved-then-session-changed";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      saveWithTheAnswerHeld(service, editor, documentFor(service, 0.2));
      // the save's event is read with alice's token before the tab signs out
      await().atMost(BOUND).until(() -> currentRevisionShown() > revision);
      long saved = currentRevisionShown();
      js("sessionStorage.removeItem('sluice.token');");
      js("window.__answer.release()");
      awaitText(
          By.id("sign-in-error"),
          "Signed out in another page of this tab. Your save of the rules of "
              + service
              + " went through: it is revision "
              + saved
              + ".");
      assertThat(browser.findElement(By.id("sign-in-error")).getText()).doesNotContain("kept");
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();
      assertThat(liveRegionsSaying("went through")).isEqualTo(1);
      assertThat(
              revisionOf(
                  api(
                      "GET",
                      "/api/v1/services/" + service + "/rules",
                      READER_TOKEN,
                      null,
                      Map.of())))
          .isEqualTo(saved);

      signIn(WRITER_TOKEN);
      WebElement again = waitFor(By.id("rules-editor"));
      await().atMost(BOUND).until(() -> currentRevisionShown() == saved);
      saveWithTheAnswerHeld(service, again, documentFor(service, 0.3));
      await().atMost(BOUND).until(() -> currentRevisionShown() > saved);
      long next = currentRevisionShown();
      js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN);
      js("window.__answer.release()");
      awaitText(By.cssSelector("#who .who-name"), "bob");
      awaitText(
          By.id("toast"),
          "Your save of the rules of " + service + " went through: it is revision " + next + ".");
      assertThat(browser.findElement(By.id("toast")).getText()).doesNotContain("kept");
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();
    } finally {
      js("if (window.__answer) window.fetch = window.__answer.unheld;");
      js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * As in {@link #aSaveThatGoesThroughAfterItsEditsWereKeptLeavesOnlyLaterEditsUnsaved}, but the
   * save writes nothing (the same rules, a default left out): its comment is recorded nowhere, so
   * the draft keeps it for the writer's next sign-in, as the editor of a page still open keeps it.
   * Settled as if recorded, the draft dropped it.
   */
  @Test
  void anUnchangedSaveThatGoesThroughAfterItsEditsWereKeptLeavesTheirCommentUnsaved() {
    String service = "draft-unchanged-meanwhile";
    long revision = storeAs(WRITER_TOKEN, service, documentFor(service, 0.5));
    WebElement editor = openEditorOf(service, revision);
    try {
      waitFor(By.id("change-comment")).sendKeys("tidy up");
      // blank lines at the end: the draft of what was sent ends so; settled, it is reformatted
      saveWithTheAnswerHeld(
          service,
          editor,
          documentFor(service, 0.5).replace("\"respectParentDecision\": true,", "") + "\n\n");
      loseTheSessionOver(service);
      js("window.__answer.release()");
      await("the kept draft is settled")
          .atMost(BOUND)
          .until(
              () -> {
                Object drafts = js("return sessionStorage.getItem('sluice.drafts');");
                return drafts == null || !((String) drafts).contains("}\\n\\n\"");
              });
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("tidy up");
      signIn(WRITER_TOKEN);
      awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
      assertThat(browser.findElement(By.id("change-comment")).getDomProperty("value"))
          .isEqualTo("tidy up");
      assertThat(currentRevisionShown()).isEqualTo(revision);
      discardEdits();
    } finally {
      js("if (window.__answer) window.fetch = window.__answer.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The save reaches the control plane only after the writer signed in again and got the kept draft
   * back, on a page that has not heard of the saved revision yet (its event stream held): what the
   * save stored becomes the editor's base and the page's current revision at once, and the page
   * does not say, nor read out, that the edits are based on an older revision than the current one.
   * Made current before it was the base, the saved revision was announced as newer than the edits
   * it holds.
   */
  @Test
  void aRestoredDraftWhoseSaveGoesThroughIsNotSaidToBeBasedOnAnOlderRevision() {
    String service = "draft-saved-later";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      type(editor, documentFor(service, 0.2));
      awaitText(By.id("editor-status"), "No problems found.");
      click(By.cssSelector("[data-test=review]"));
      js(
          "const path = 'api/v1/services/' + arguments[0] + '/rules';"
              + " const unheld = window.fetch;"
              + " const held = window.__held = { waiting: false, events: false, unheld };"
              + " window.fetch = (input, init = {}) => {"
              + "   if (String(input) === path && init.method === 'PUT') {"
              + "     held.waiting = true;"
              + "     return new Promise((go) => { held.release = () =>"
              + " go(unheld(input, init)); });"
              + "   }"
              + "   if (held.events && String(input).includes('api/v1/events'))"
              + "     return new Promise(() => {});"
              + "   return unheld(input, init);"
              + " };",
          service);
      click(By.cssSelector("[data-test=save]"));
      await().atMost(BOUND).until(() -> js("return window.__held.waiting") == Boolean.TRUE);
      loseTheSessionOver(service);
      js("window.__held.events = true;");
      signIn(WRITER_TOKEN);
      awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
      js("window.__held.release()");
      awaitText(By.cssSelector("[data-test=draft-saved]"), "went through");
      assertThat(announced("status")).contains("went through").doesNotContain("is now current");
      assertThat(browser.findElement(By.cssSelector("[data-test=newer]")).isDisplayed()).isFalse();
      assertThat(currentRevisionShown()).isGreaterThan(revision);
      assertThat(beforeUnloadIsRefused()).isFalse();
    } finally {
      js("if (window.__held) window.fetch = window.__held.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The dependencies panel's count {@code name}: {@code reads} asked, {@code readShown} (the newest
   * read drawn), {@code refreshes} ended.
   */
  private static long dependenciesRead(String name) {
    Object value =
        js("return document.querySelector('table.deps tbody').dataset[arguments[0]] || '0'", name);
    return Long.parseLong(String.valueOf(value));
  }

  /**
   * Saves {@code text} from {@code editor} through the review, and returns once the control plane
   * has the save, whose answer the page gets only at {@code window.__answer.release()}.
   */
  private static void saveWithTheAnswerHeld(String service, WebElement editor, String text) {
    type(editor, text);
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    js(
        "const path = 'api/v1/services/' + arguments[0] + '/rules';"
            + " const unheld = window.__answer ? window.__answer.unheld : window.fetch;"
            + " const answer = window.__answer = { waiting: false, unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   if (String(input) === path && init.method === 'PUT') {"
            + "     return unheld(input, init).then((r) => new Promise((go) => {"
            + "       answer.waiting = true; answer.release = () => go(r); }));"
            + "   }"
            + "   return unheld(input, init);"
            + " };",
        service);
    click(By.cssSelector("[data-test=save]"));
    await().atMost(BOUND).until(() -> js("return window.__answer.waiting") == Boolean.TRUE);
  }

  /** The writer's token stops being accepted over unsaved edits of {@code service}: kept. */
  private static void loseTheSessionOver(String service) {
    js("sessionStorage.setItem('sluice.token', 'a-token-the-control-plane-no-longer-has');");
    // a call the page makes by itself may be refused first
    js("const tab = document.getElementById('tab-history'); if (tab) tab.click();");
    awaitText(By.id("sign-in-error"), "unsaved edits to the rules of " + service + " are kept");
  }

  /**
   * Someone else saves right after the user, and the page hears of it (its event) before the user's
   * save is read back: the page keeps the later revision as current (and the clean editor shows
   * it), not the user's own, which it would otherwise show as current until the next event.
   */
  @Test
  void aSaveOvertakenBeforeItIsReadBackLeavesTheLaterRevisionCurrent() {
    String service = "overtaken-save";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      saveWithTheReadBackHeld(service, editor, documentFor(service, 0.2));
      long theirs = storeOrdersDocumentAs(service, 0.4);
      await("the page hears of the later save")
          .atMost(BOUND)
          .until(() -> currentRevisionShown() == theirs);
      js("window.__readBack.release()");
      awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
      assertThat(currentRevisionShown()).isEqualTo(theirs);
      assertThat(editor.getAttribute("value")).contains("\"ratio\": 0.4");
      assertThat(beforeUnloadIsRefused()).isFalse();
    } finally {
      js("window.fetch = window.__readBack.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Two saves by someone else make the page read the rules twice, and the first read is answered
   * last: the page keeps the later revision as current (and the clean editor shows it), not the
   * older one the late answer holds.
   */
  @Test
  void aReadAnsweredAfterALaterOneLeavesTheLaterRevisionCurrent() {
    String service = "reads-out-of-order";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    try {
      holdTheAnswerToTheNextRead(service);
      storeOrdersDocumentAs(service, 0.2);
      await("the page reads the rules")
          .atMost(BOUND)
          .until(() -> js("return window.__held.waiting") == Boolean.TRUE);
      long latest = storeOrdersDocumentAs(service, 0.4);
      await("the page reads the later revision")
          .atMost(BOUND)
          .until(() -> currentRevisionShown() == latest);
      js("window.__held.release()");
      await("the page has the held answer")
          .atMost(BOUND)
          .until(() -> js("return window.__held.read") == Boolean.TRUE);
      assertThat(currentRevisionShown()).isEqualTo(latest);
      assertThat(editor.getAttribute("value")).contains("\"ratio\": 0.4");
    } finally {
      js("window.fetch = window.__held.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The rules are deleted and stored again, and the page's read after the deletion (a 404, which
   * carries no revision) is answered after its read of the new document: the page keeps the new
   * revision, rather than showing the service without rules.
   */
  @Test
  void aDeletionReadAfterALaterSaveLeavesTheSaveCurrent() {
    String service = "deletion-read-late";
    long revision = storeOrdersDocumentAs(service);
    openEditorOf(service, revision);
    try {
      holdTheAnswerToTheNextRead(service);
      api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
      await("the page reads the rules")
          .atMost(BOUND)
          .until(() -> js("return window.__held.waiting") == Boolean.TRUE);
      long stored = storeOrdersDocumentAs(service, 0.4);
      await("the page reads the new document")
          .atMost(BOUND)
          .until(() -> currentRevisionShown() == stored);
      js("window.__held.release()");
      await("the page has the held answer")
          .atMost(BOUND)
          .until(() -> js("return window.__held.read") == Boolean.TRUE);
      assertThat(currentRevisionShown()).isEqualTo(stored);
    } finally {
      js("window.fetch = window.__held.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * etcd lost data (here restarted empty, and the document written again before the control plane
   * read it anew): the stored document is at a lower revision than the page holds. The page's reads
   * after that, asked once it held the older revision, are etcd as it is now: the page shows the
   * lower revision and its document, instead of ignoring every read as older until a revision
   * passes the one it held (and refusing every save of the editor as stale meanwhile). Its own etcd
   * and control plane: the class's etcd keeps its data.
   */
  @Test
  void aPageFollowsItsRulesToALowerRevisionAfterEtcdLostData() throws Exception {
    String service = "restored-lower";
    String key = "/sluice/v1/rules/" + service;
    try (EtcdServer lossy = EtcdServer.fromPath()) {
      lossy.start();
      for (int i = 0; i < 20; i++) {
        lossy.put("/unrelated/" + i, "x"); // revisions the emptied etcd does not reach
      }
      long before =
          lossy.put(
              key,
              ordersDocument(0.0)
                  .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\""));
      ConfigurableApplicationContext own =
          new SpringApplicationBuilder(ControlPlaneApplication.class)
              .run(
                  "--server.port=0",
                  "--server.address=127.0.0.1",
                  "--server.tomcat.basedir=" + TomcatBaseDirs.next(),
                  "--sluice.etcd.endpoints=" + lossy.endpoint(),
                  "--sluice.security.tokens.alice.token=" + WRITER_TOKEN,
                  "--sluice.security.tokens.alice.role=writer");
      try {
        String base =
            "http://127.0.0.1:" + ((WebServerApplicationContext) own).getWebServer().getPort();
        browser.get(base + "/");
        signIn(WRITER_TOKEN);
        awaitRole("writer");
        browser.get(base + "/#/service/" + service + "/rules");
        WebElement editor = waitFor(By.id("rules-editor"));
        await("the page shows revision " + before)
            .atMost(BOUND)
            .ignoreExceptions()
            .until(() -> currentRevisionShown() == before);

        lossy.stop();
        lossy.wipeData();
        lossy.start();
        long after =
            lossy.put(
                key,
                ordersDocument(0.25)
                    .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\""));
        assertThat(after).isLessThan(before);
        await("the page shows revision " + after + " of the emptied etcd")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> currentRevisionShown() == after);
        assertThat(editor.getAttribute("value")).contains("\"ratio\": 0.25");
        browser.get("about:blank");
      } finally {
        own.close();
      }
    }
  }

  /**
   * Holds in the page the answer to its next read of {@code service}'s rules until {@code
   * window.__held.release()} (the request goes at once); other calls go through. {@code
   * window.__held.read} turns true once the page has had the answer's text and gone on with it.
   */
  private static void holdTheAnswerToTheNextRead(String service) {
    js(
        "const path = 'api/v1/services/' + arguments[0] + '/rules';"
            + " const unheld = window.fetch; let armed = true;"
            + " const held = window.__held = { waiting: false, read: false, unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   if (armed && String(input) === path && (init.method || 'GET') === 'GET') {"
            + "     armed = false;"
            + "     return unheld(input, init).then((r) => new Promise((go) => {"
            + "       held.waiting = true;"
            + "       held.release = () => go(r);"
            + "       const text = r.text.bind(r);"
            + "       r.text = () => text().then((t) => {"
            + "         setTimeout(() => { held.read = true; }, 0); return t; });"
            + "     }));"
            + "   }"
            + "   return unheld(input, init);"
            + " };",
        service);
  }

  /** Opens the rules editor of {@code service}, once it shows {@code revision}. */
  private WebElement openEditorOf(String service, long revision) {
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"service\": \"" + service + "\""));
    return editor;
  }

  /**
   * Saves {@code text} from {@code editor} through the review, and returns once the page asks for
   * the saved revision back, which waits until the test calls {@code window.__readBack.release()}.
   */
  private static void saveWithTheReadBackHeld(String service, WebElement editor, String text) {
    type(editor, text);
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    holdTheReadBackOfTheNextSave(service);
    click(By.cssSelector("[data-test=save]"));
    await().atMost(BOUND).until(() -> js("return window.__readBack.waiting") == Boolean.TRUE);
  }

  /**
   * Holds in the page the first read of {@code service}'s rules after its next PUT is answered (the
   * save's read-back) until {@code window.__readBack.release()}; other reads go through.
   */
  private static void holdTheReadBackOfTheNextSave(String service) {
    js(
        "const path = 'api/v1/services/' + arguments[0] + '/rules';"
            + " const unheld = window.fetch; let armed = false;"
            + " const readBack = window.__readBack = { waiting: false, unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   const method = init.method || 'GET';"
            + "   if (String(input) === path && method === 'PUT') {"
            + "     return unheld(input, init).then((r) => { armed = true; return r; });"
            + "   }"
            + "   if (armed && String(input) === path && method === 'GET') {"
            + "     armed = false; readBack.waiting = true;"
            + "     return new Promise((go) => { readBack.release = go; })"
            + "       .then(() => unheld(input, init));"
            + "   }"
            + "   return unheld(input, init);"
            + " };",
        service);
  }

  /** Waits, up to {@code bound}, for {@code revision} in the history table's first row. */
  private void awaitAtopTheHistory(long revision, Duration bound) {
    await("revision " + revision + " atop the history")
        .atMost(bound)
        .ignoreExceptions()
        .until(
            () ->
                browser
                    .findElement(By.cssSelector("table.history tbody tr:first-child"))
                    .getText()
                    .contains(String.valueOf(revision)));
  }

  /**
   * More revisions come in at once than the newest history page holds (a script's burst, or a page
   * whose reads failed meanwhile): the entries shown before are not kept below the new page, where
   * they left the revisions in between out with no sign of it, and "Show older versions" gone (the
   * old list had no older page); the list starts again from the newest page.
   */
  @Test
  void moreNewRevisionsThanAPageHoldsLeaveNoGapInTheHistory() {
    String service = "burst-history";
    long first = storeOrdersDocumentAs(service);
    openAfresh(WRITER_TOKEN, "/service/" + service + "/history");
    By rows = By.cssSelector("table.history tbody tr");
    await().atMost(BOUND).until(() -> browser.findElements(rows).size() == 1);
    // the page's reads fail while 55 revisions are written: it keeps showing the one it read
    js(
        "window.__reachable = window.fetch;"
            + " window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));");
    try {
      for (int i = 1; i <= 55; i++) {
        storeOrdersDocumentAs(service, i / 100.0);
      }
      assertThat(browser.findElements(rows)).hasSize(1);
    } finally {
      js("window.fetch = window.__reachable;");
    }
    long newest = storeOrdersDocumentAs(service, 0.99);
    awaitAtopTheHistory(newest, BOUND);
    // the newest page, and at most the one entry a read between the burst's last write and this
    // one showed below it (then no gap either): never the first revision below a gap
    assertThat(browser.findElements(rows).size()).isBetween(50, 51);
    assertThat(browser.findElements(By.cssSelector("tr[data-revision='" + first + "']")))
        .as("revision " + first + " below a gap")
        .isEmpty();
    click(By.cssSelector(".table-foot button"));
    await().atMost(BOUND).until(() -> browser.findElements(rows).size() == 57);
    waitFor(By.cssSelector("tr[data-revision='" + first + "']"));
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * An older page asked for ("Show older versions") whose answer comes after the list was read
   * anew, more revisions having come than a page holds, is not appended below the new list, which
   * no longer ends where that page begins: appended, it left the revisions in between out with no
   * sign of it. The button then reads on from where the new list ends.
   */
  @Test
  void anOlderPageAnsweredAfterTheListWasReadAnewIsNotAppended() {
    String service = "late-older-page";
    long first = storeOrdersDocumentAs(service);
    for (int i = 1; i <= 55; i++) {
      storeOrdersDocumentAs(service, i / 100.0);
    }
    openAfresh(WRITER_TOKEN, "/service/" + service + "/history");
    By rows = By.cssSelector("table.history tbody tr");
    await().atMost(BOUND).until(() -> browser.findElements(rows).size() == 50);
    // the older page's answer is held; the newest page's reads wait for the burst's end (a read
    // between its writes would overlap the entries shown, keeping them and the cursor)
    js(
        "const unheld = window.fetch;"
            + " const older = window.__older = { waiting: false, unheld };"
            + " older.burstDone = new Promise((go) => { older.endBurst = go; });"
            + " window.fetch = (...a) => {"
            + "   const url = String(a[0]);"
            + "   if (url.includes('/rules/history?') && !url.includes('&before='))"
            + "     return older.burstDone.then(() => unheld(...a));"
            + "   if (!url.includes('&before=')) return unheld(...a);"
            + "   return unheld(...a).then((r) => new Promise((go) => {"
            + "     older.waiting = true; older.release = () => go(r); }));"
            + " };");
    try {
      By more = By.cssSelector(".table-foot button");
      click(more);
      await("the older page's answer held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__older.waiting"));
      long newest = 0;
      for (int i = 56; i <= 110; i++) {
        newest = storeOrdersDocumentAs(service, i / 1000.0);
      }
      js("window.__older.endBurst()");
      awaitAtopTheHistory(newest, BOUND);
      assertThat(browser.findElements(rows)).as("the list read anew").hasSize(50);
      js("window.__older.release()");
      await("the older page's load ended")
          .atMost(BOUND)
          .until(() -> browser.findElement(more).isEnabled());
      assertThat(browser.findElements(rows)).hasSize(50);
      assertThat(browser.findElements(By.cssSelector("tr[data-revision='" + first + "']")))
          .as("revision " + first + " below a gap")
          .isEmpty();

      js("window.fetch = window.__older.unheld;");
      click(more);
      await().atMost(BOUND).until(() -> browser.findElements(rows).size() == 100);
      assertThat(
              js(
                  "const r = [...document.querySelectorAll('table.history tbody tr')]"
                      + ".map((tr) => Number(tr.dataset.revision));"
                      + " return r.every((v, i) => i === 0 || r[i - 1] > v);"))
          .as("revisions in order, none left out between the pages")
          .isEqualTo(true);
    } finally {
      js("window.fetch = window.__older.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Someone saves while an operator reads older history pages: the list gains the new revision at
   * the top and keeps the pages opened, and the focused button keeps the focus.
   */
  @Test
  void aNewRevisionKeepsTheOlderHistoryPagesOpenAndTheFocus() {
    long first = storeOrdersDocumentAs("long-history");
    for (int i = 1; i <= 55; i++) {
      storeOrdersDocumentAs("long-history", i / 100.0);
    }
    // the page's 15 s re-read cannot come before this moment and 15 s: its timer starts with the
    // page, in a new document here
    long opening = System.nanoTime();
    openAfresh(WRITER_TOKEN, "/service/long-history/history");
    By rows = By.cssSelector("table.history tbody tr");
    await().atMost(BOUND).until(() -> browser.findElements(rows).size() == 50);
    click(By.cssSelector(".table-foot button"));
    await().atMost(BOUND).until(() -> browser.findElements(rows).size() == 56);
    WebElement compare =
        waitFor(By.cssSelector("tr[data-revision='" + first + "'] [data-test=compare]"));
    js("arguments[0].focus();", compare);

    long newest = storeOrdersDocumentAs("long-history", 0.99);
    // drawn by the change event, within a second: not by the page's 15 s re-read, whose timer
    // started as the page opened, a few seconds before this change. Bounded by the re-read's
    // earliest moment, not by a fixed few seconds a loaded machine can use up
    Duration beforeTheReRead = Duration.ofSeconds(15).minusNanos(System.nanoTime() - opening);
    assertThat(beforeTheReRead)
        .as("time left before the page's re-read, to tell the change event's redraw from it")
        .isPositive();
    awaitAtopTheHistory(newest, beforeTheReRead);
    assertThat(browser.findElements(rows)).hasSize(57);
    assertThat(
            js(
                "return document.activeElement.closest('tr').dataset.revision + ' '"
                    + " + document.activeElement.dataset.test;"))
        .isEqualTo(first + " compare");
    api("DELETE", "/api/v1/services/long-history/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A rollback replaces the revision the writer saw when choosing it: one confirmed after someone
   * else saved is refused instead of silently undoing their change, and the refusal is read out.
   */
  @Test
  void aRollbackAfterSomeoneElseSavedIsRefusedRatherThanUndoingTheirChange() {
    long first = storeOrdersDocumentAs("rollback-race");
    long second = storeOrdersDocumentAs("rollback-race", 0.5);
    open(WRITER_TOKEN, "/service/rollback-race/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
    awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + second);
    long theirs = storeOrdersDocumentAs("rollback-race", 0.75);
    click(By.cssSelector("dialog [data-test=confirm]"));

    awaitText(By.cssSelector("[data-test=rollback-refused]"), "Nothing was rolled back");
    assertThat(browser.findElement(By.cssSelector("[data-test=rollback-refused]")).getText())
        .contains("revision " + theirs + " now");
    // read out through the assertive live region, as every other notice: the notice itself is
    // none (unhidden with its text, it was not read out everywhere)
    assertThat(announced("alert"))
        .contains("Nothing was rolled back")
        .contains("revision " + theirs + " now");
    assertThat(
            browser
                .findElement(By.cssSelector("[data-test=rollback-refused]"))
                .getAttribute("role"))
        .isNull();
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/rollback-race/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(theirs);
    api("DELETE", "/api/v1/services/rollback-race/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A rollback to a version holding the rules in force writes nothing, and the page says so: it
   * said "Rolled back to revision N: now revision M", M a new revision of the same rules. The
   * comment, recorded in no history entry, fills the next rollback dialog.
   */
  @Test
  void aRollbackToTheRulesInForceSaysTheyAreAlreadyCurrent() {
    String service = "rollback-in-force";
    long first = storeOrdersDocumentAs(service);
    storeOrdersDocumentAs(service, 0.5);
    long third = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(third));
    click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
    awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + third);
    browser.findElement(By.id("rollback-comment")).sendKeys("back to the first");
    click(By.cssSelector("dialog [data-test=confirm]"));

    awaitText(
        By.id("toast"),
        "Nothing to roll back: revision "
            + first
            + " holds the rules already current (revision "
            + third
            + "). Nothing was written and the comment was not recorded.");
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(third);
    click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
    awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + third);
    assertThat(browser.findElement(By.id("rollback-comment")).getDomProperty("value"))
        .isEqualTo("back to the first");
    click(By.cssSelector("dialog [data-test=cancel]"));
    // the kept comment is the tab's: the next test's pages must not find it
    js("sessionStorage.removeItem('sluice.rollback-comments')");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A rollback of {@code _default} reaches the agents of every service without rules of its own:
   * its confirmation says so, as a deletion's does, instead of "every agent of _default" (no agent
   * reports that name). Cancelled: nothing is written.
   */
  @Test
  void aRollbackOfDefaultSaysItReachesTheServicesWithoutRulesOfTheirOwn() {
    long first = storeOrdersDocumentAs("_default");
    long second = storeOrdersDocumentAs("_default", 0.5);
    open(WRITER_TOKEN, "/service/_default/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
    awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + second);
    assertThat(browser.findElement(By.cssSelector("dialog.dialog")).getText())
        .contains("Every service without rules of its own applies them")
        .doesNotContain("agent of _default");
    click(By.cssSelector("dialog [data-test=cancel]"));
    assertThat(
            revisionOf(api("GET", "/api/v1/services/_default/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(second);
  }

  /**
   * A past version that today's rules refuse (accepted by an older control plane, or written around
   * the API) is not rolled back to, and the writer is shown every problem with its path, as a save
   * shows them: the toast said only "the document has 2 errors", naming none.
   */
  @Test
  void aRollbackToAVersionInvalidTodayIsRefusedWithEveryProblemListed() throws Exception {
    String service = "rollback-invalid";
    long current = storeOrdersDocumentAs(service);
    String old = "/sluice/v1/history/" + service + "/" + String.format(Locale.ROOT, "%020d", 1);
    etcd.server()
        .put(
            old,
            "{\"revision\":1,\"service\":\""
                + service
                + "\",\"action\":\"put\",\"author\":\"older-control-plane\","
                + "\"time\":\"2026-01-01T00:00:00Z\",\"comment\":null,\"rollbackOf\":null,"
                + "\"document\":{\"schemaVersion\":1,\"service\":\""
                + service
                + "\",\"sampling\":{\"defaultRatio\":2.0,\"rules\":[{\"name\":\"r\","
                + "\"match\":{\"spanName\":\"GET /x\"},\"ratio\":-1}]}}}");
    try {
      HttpResponse<String> refused =
          api(
              "POST",
              "/api/v1/services/" + service + "/rules/rollback?to=1",
              WRITER_TOKEN,
              null,
              Map.of());
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      JsonNode problem = new ObjectMapper().readTree(refused.body());
      assertThat(problem.get("problemCount").asInt()).isEqualTo(2);
      // the detail names the stored version refused, not the request (which holds no document);
      // its type and errors are an invalid save's
      assertThat(problem.get("detail").asText())
          .isEqualTo(
              "revision 1 of " + service + " fails today's rules: the document has 2 errors");
      assertThat(problem.get("type").asText()).isEqualTo("urn:sluice:problem:invalid-rules");
      assertThat(problem.get("errors")).hasSize(2);

      open(WRITER_TOKEN, "/service/" + service + "/history");
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(current));
      click(By.cssSelector("tr[data-revision='1'] [data-test=rollback]"));
      awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + current);
      waitFor(By.id("rollback-comment")).sendKeys("undo the ratio change");
      click(By.cssSelector("dialog [data-test=confirm]"));

      By notice = By.cssSelector("[data-test=rollback-refused]");
      awaitText(notice, "Nothing was rolled back");
      assertThat(browser.findElement(notice).getText())
          .contains("revision 1", "2 problems", "$.sampling.defaultRatio", "$.sampling.rules[0]");
      assertThat(browser.findElements(By.cssSelector("[data-test=rollback-problem]"))).hasSize(2);
      assertThat(announced("alert")).contains("Nothing was rolled back");
      // nothing written: the same revision, and no new history entry
      assertThat(
              revisionOf(
                  api(
                      "GET",
                      "/api/v1/services/" + service + "/rules",
                      READER_TOKEN,
                      null,
                      Map.of())))
          .isEqualTo(current);
      assertThat(browser.findElements(By.cssSelector("table.history tbody tr"))).hasSize(2);
      // the comment typed is not lost with the refusal: the next rollback dialog holds it
      click(By.cssSelector("tr[data-revision='1'] [data-test=rollback]"));
      awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + current);
      WebElement kept = waitFor(By.id("rollback-comment"));
      assertThat(kept.getDomProperty("value")).isEqualTo("undo the ratio change");
      // a comment typed and then cancelled is kept too, and outlives the page: the tab keeps it,
      // per service, as it keeps drafts
      kept.sendKeys(", once it is valid");
      click(By.cssSelector("dialog [data-test=cancel]"));
      openAfresh(WRITER_TOKEN, "/service/" + service + "/history");
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(current));
      click(By.cssSelector("tr[data-revision='1'] [data-test=rollback]"));
      awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + current);
      assertThat(waitFor(By.id("rollback-comment")).getDomProperty("value"))
          .isEqualTo("undo the ratio change, once it is valid");
      click(By.cssSelector("dialog [data-test=cancel]"));
      // the writer's sign-out forgets it with their drafts
      assertThat(js("return sessionStorage.getItem('sluice.rollback-comments');")).isNotNull();
      click(By.id("sign-out"));
      waitFor(By.id("token"));
      assertThat(js("return sessionStorage.getItem('sluice.rollback-comments');")).isNull();
    } finally {
      js("sessionStorage.removeItem('sluice.rollback-comments');");
      api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
      etcd.server().delete(old);
    }
  }

  /**
   * A refused rollback whose page is closed before the current rules are read again (the tab was
   * signed out in another page as the refusal came, so that read is not sent and the page follows
   * to the sign-in form) says nothing more: its notice is on no page, and its words, read out over
   * the sign-in form, would tell of a page that is gone.
   */
  @Test
  void aRefusedRollbackWhosePageClosedMeanwhileIsNotReadOut() {
    String service = "rollback-closed";
    long first = storeOrdersDocumentAs(service);
    long second = storeOrdersDocumentAs(service, 0.5);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
    awaitText(By.cssSelector("dialog.dialog"), "replacing revision " + second);
    storeOrdersDocumentAs(service, 0.75);
    // signed out in another page of the tab just as the refusal arrives
    js(
        "window.__unheld = window.fetch; window.fetch = (...a) =>"
            + " /rules\\/rollback/.test(String(a[0]))"
            + " ? window.__unheld(...a).then((r) => {"
            + " sessionStorage.removeItem('sluice.token'); return r; })"
            + " : window.__unheld(...a);");
    try {
      click(By.cssSelector("dialog [data-test=confirm]"));
      waitFor(By.id("token"));
      awaitText(By.id("toast"), "Signed out in another page of this tab.");
      await("the closed page's refusal is not read out")
          .failFast(
              "the closed page's refusal was read out",
              () -> String.valueOf(announced("alert")).contains("Nothing was rolled back"))
          .during(QUIET_FOR)
          .atMost(QUIET_WITHIN)
          .until(() -> !String.valueOf(announced("alert")).contains("Nothing was rolled back"));
    } finally {
      js("window.fetch = window.__unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A rollback that fails for a network reason once its page was closed (the tab signed out in
   * another page meanwhile) says nothing, as a save or a deletion then: it used to toast "Rollback
   * failed" over the sign-in form, about a page that is gone.
   */
  @Test
  void aRollbackFailingAfterItsPageClosedSaysNothing() {
    String service = "rollback-fails-closed";
    long first = storeOrdersDocumentAs(service);
    long second = storeOrdersDocumentAs(service, 0.5);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    // the rollback gets no answer until the test makes it fail as a lost connection does
    js(
        "window.__unheld = window.fetch; window.fetch = (...a) =>"
            + " /rules\\/rollback/.test(String(a[0]))"
            + " ? new Promise((_, fail) => { window.__rollback = () =>"
            + " fail(new TypeError('Failed to fetch')); })"
            + " : window.__unheld(...a);");
    try {
      click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
      click(By.cssSelector("dialog [data-test=confirm]"));
      await().atMost(BOUND).until(() -> js("return typeof window.__rollback").equals("function"));
      // the page's next call finds the tab signed out: the page closes, for the sign-in form
      setTheTabsTokenAndClick(null, By.id("tab-dependencies"));
      waitFor(By.id("token"));
      awaitText(By.id("toast"), "Signed out in another page of this tab.");
      js("window.__rollback()");
      await("the closed page's failed rollback is not told")
          .failFast(
              "the closed page's failed rollback was told",
              () -> liveRegionsSaying("Rollback failed") > 0)
          .during(QUIET_FOR)
          .atMost(QUIET_WITHIN)
          .until(() -> liveRegionsSaying("Rollback failed") == 0);
    } finally {
      js("window.fetch = window.__unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A dry run that fails for a network reason once its page was closed (the tab signed out in
   * another page meanwhile) says nothing, as a save, a deletion or a rollback then: it used to
   * toast "Dry run failed" over the sign-in form, about a page that is gone.
   */
  @Test
  void aDryRunFailingAfterItsPageClosedSaysNothing() {
    String service = "dry-run-fails-closed";
    long revision = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/dry-run");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    // the dry run gets no answer until the test makes it fail as a lost connection does
    js(
        "window.__unheld = window.fetch; window.fetch = (...a) =>"
            + " /rules\\/evaluate/.test(String(a[0]))"
            + " ? new Promise((_, fail) => { window.__dryRun = () =>"
            + " fail(new TypeError('Failed to fetch')); })"
            + " : window.__unheld(...a);");
    try {
      click(By.cssSelector("[data-test=evaluate]"));
      await().atMost(BOUND).until(() -> js("return typeof window.__dryRun").equals("function"));
      // the page's next call finds the tab signed out: the page closes, for the sign-in form
      setTheTabsTokenAndClick(null, By.id("tab-dependencies"));
      waitFor(By.id("token"));
      awaitText(By.id("toast"), "Signed out in another page of this tab.");
      js("window.__dryRun()");
      await("the closed page's failed dry run is not told")
          .failFast(
              "the closed page's failed dry run was told",
              () -> liveRegionsSaying("Dry run failed") > 0)
          .during(QUIET_FOR)
          .atMost(QUIET_WITHIN)
          .until(() -> liveRegionsSaying("Dry run failed") == 0);
    } finally {
      js("window.fetch = window.__unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Reads of a page closed under the user end quietly: the read that finds the tab signed in as bob
   * elsewhere, and the history's re-read after a rollback that went through while the closed page
   * waits for who bob is. Both used to show "Could not load …" as an error on the closed page (an
   * alert, read out), a failure the user did not cause.
   */
  @Test
  void readsOfAClosedPageEndQuietly() {
    String service = "closed-page-reads";
    long first = storeOrdersDocumentAs(service);
    long second = storeOrdersDocumentAs(service, 0.5);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    js(
        "const unheld = window.fetch; const held = window.__held = { unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   const url = String(input);"
            + "   if (/rules\\/rollback/.test(url)) return unheld(input, init).then((r) =>"
            + "     new Promise((go) => { held.rollback = () => go(r); }));"
            + "   if (url.includes('api/v1/whoami')) return new Promise((go) => {"
            + "     held.whoami = () => go(unheld(input, init)); });"
            + "   return unheld(input, init);"
            + " };");
    try {
      click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
      click(By.cssSelector("dialog [data-test=confirm]"));
      await()
          .atMost(BOUND)
          .until(() -> js("return typeof window.__held.rollback").equals("function"));
      js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN);
      // the page's next read (the rules, on the rollback's event; or the dependencies') finds the
      // tab signed in as bob: the page closes, asking who he is
      js(
          "if (!document.getElementById('main').inert)"
              + " document.getElementById('tab-dependencies').click();");
      await()
          .atMost(BOUND)
          .until(() -> js("return typeof window.__held.whoami").equals("function"));
      js("window.__held.rollback()");
      awaitText(By.id("toast"), "Rolled back to revision " + first);
      await("the closed page's reads show no error")
          .failFast(
              "the closed page's reads showed an error",
              () ->
                  js("return document.getElementById('main').textContent")
                          .toString()
                          .contains("Could not load")
                      || liveRegionsSaying("Could not load") > 0)
          .during(QUIET_FOR)
          .atMost(QUIET_WITHIN)
          .until(
              () ->
                  js("return document.getElementById('main').inert").equals(Boolean.TRUE)
                      && js("return document.getElementById('main').textContent")
                              .toString()
                              .indexOf("Could not load")
                          < 0);
      assertThat(liveRegionsSaying("Could not load")).isZero();
      js("window.__held.whoami()");
      awaitText(By.cssSelector("#who .who-name"), "bob");
    } finally {
      js("if (window.__held) { window.__held.whoami?.(); window.fetch = window.__held.unheld; }");
      js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * While a closed page waits for who the tab's new token is, the top bar's links to the services
   * (the brand, the "Services" crumb) are inert like the rest of the closed page: a click there
   * used to go through, and took the page drawn anew to the overview instead of the page the user
   * was on. Once the page is drawn anew they work again.
   */
  @Test
  void theTopBarsLinksOfAClosedPageTakeNoClick() {
    String service = "closed-page-crumbs";
    long revision = storeOrdersDocumentAs(service);
    openEditorOf(service, revision);
    js(
        "const unheld = window.fetch; const held = window.__whoami = { waiting: false, unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   if (String(input).includes('api/v1/whoami')) {"
            + "     held.waiting = true;"
            + "     return new Promise((go) => { held.release = () => go(unheld(input, init)); });"
            + "   }"
            + "   return unheld(input, init);"
            + " };");
    try {
      // the history's read finds the tab signed in as bob: the page closes, asking who he is
      setTheTabsTokenAndClick(OTHER_WRITER_TOKEN, By.id("tab-history"));
      await("the page asks who the tab's token is")
          .atMost(BOUND)
          .until(() -> js("return window.__whoami.waiting") == Boolean.TRUE);
      for (By link : List.of(By.cssSelector("#crumbs a"), By.cssSelector(".topbar .brand"))) {
        assertThatThrownBy(() -> browser.findElement(link).click())
            .as("a click on %s", link)
            .isInstanceOf(ElementClickInterceptedException.class);
      }
      js("window.__whoami.release()");
      awaitText(By.cssSelector("#who .who-name"), "bob");
      awaitText(By.cssSelector("[data-test=service-name]"), service);
      assertThat(browser.getCurrentUrl()).endsWith("#/service/" + service + "/history");
      click(By.cssSelector("#crumbs a"));
      waitFor(By.id("open-service"));
    } finally {
      js(
          "if (window.__whoami) { window.__whoami.release?.(); window.fetch ="
              + " window.__whoami.unheld; }");
      js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The service page's and the history's load errors are read out once through the page's assertive
   * live region, as other errors are: they were alerts of their own, changed in place, which not
   * every screen reader reads out. The lines that show them are no live regions.
   */
  @Test
  void loadErrorsAreReadOutThroughTheAlertRegion() {
    String service = "load-errors-read-out";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/");
    // the rules, then the history, cannot be read: the connection is lost
    js(
        "const unheld = window.__unheld = window.fetch; const failing = window.__failing = ["
            + " 'api/v1/services/' + arguments[0] + '/rules'];"
            + " window.fetch = (input, init = {}) => failing.includes(String(input).split('?')[0])"
            + "   ? Promise.reject(new TypeError('Failed to fetch')) : unheld(input, init);",
        service);
    try {
      js("location.hash = arguments[0];", "#/service/" + service + "/rules");
      awaitText(By.cssSelector("[data-test=load-error]"), "Could not load the rules");
      await("the rules' load error is read out")
          .atMost(BOUND)
          .until(() -> announced("alert").contains("Could not load the rules: Failed to fetch"));

      js("window.__failing.push('api/v1/services/' + arguments[0] + '/rules/history');", service);
      click(By.id("tab-history"));
      awaitText(By.cssSelector("#panel-history .form-error"), "Could not load the history");
      await("the history's load error is read out")
          .atMost(BOUND)
          .until(() -> announced("alert").contains("Could not load the history: Failed to fetch"));
      assertThat(liveRegionsSaying("Could not load")).isEqualTo(1);
    } finally {
      js("window.fetch = window.__unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer's editor takes no text until the stored rules are read: text typed while they could
   * not be read had no revision to be based on, could not be reviewed ("Review changes…" threw),
   * was no unsaved edit to warn about on leaving, and the first read that worked replaced it.
   */
  @Test
  void theEditorIsReadOnlyUntilTheStoredRulesAreRead() {
    String service = "editor-before-read";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/");
    js(
        "const unheld = window.__unheld = window.fetch;"
            + " const failing = 'api/v1/services/' + arguments[0] + '/rules';"
            + " window.fetch = (input, init = {}) => String(input).split('?')[0] === failing"
            + "   ? Promise.reject(new TypeError('Failed to fetch')) : unheld(input, init);",
        service);
    try {
      js("location.hash = arguments[0];", "#/service/" + service + "/rules");
      awaitText(By.cssSelector("[data-test=load-error]"), "Could not load the rules");
      WebElement editor = waitFor(By.id("rules-editor"));
      assertThat(editor.getDomProperty("readOnly")).isEqualTo("true");
      // it says the read failed, not that one is under way
      assertThat(editor.getDomProperty("placeholder"))
          .isEqualTo("The stored rules could not be read: the editor opens once they are.");
      click(By.cssSelector("[data-test=review]"));
      awaitText(By.id("toast"), "The stored rules have not been read yet");
    } finally {
      js("window.fetch = window.__unheld;");
    }
    // the next read (prompted by a change) opens the editor
    long revision = storeOrdersDocumentAs(service, 0.3);
    WebElement editor = waitFor(By.id("rules-editor"));
    await("the editor holds revision " + revision)
        .atMost(BOUND)
        .until(() -> currentRevisionShown() == revision);
    assertThat(editor.getAttribute("value")).contains("\"ratio\": 0.3");
    assertThat(editor.getDomProperty("readOnly")).isEqualTo("false");
    assertThat(editor.getDomProperty("placeholder")).isEmpty();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The service page's newest word on its rules stands: a read that failed after an older one was
   * asked is not cleared by the older one's success coming later (it used to be, so rules that had
   * just become unreadable looked current). The first read that a change prompts is held, the later
   * ones fail; released, the held answer is drawn (its revision is newer than the page's) and the
   * error still shows. The next read that succeeds clears it.
   */
  @Test
  void anOlderRulesReadAnsweredLateDoesNotClearANewerError() {
    String service = "rules-read-late";
    long first = storeOrdersDocumentAs(service);
    openEditorOf(service, first);
    holdTheFirstReadAndFailTheRest("api/v1/services/" + service + "/rules");
    By error = By.cssSelector("[data-test=load-error]");
    try {
      long held = storeOrdersDocumentAs(service, 0.2);
      await("the first answer held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__late.waiting"));
      storeOrdersDocumentAs(service, 0.3);
      awaitText(error, "Could not load the rules: made-up outage");
      js("window.__late.release()");
      await("the held answer drawn").atMost(BOUND).until(() -> currentRevisionShown() == held);
      assertThat(browser.findElement(error).getText())
          .isEqualTo("Could not load the rules: made-up outage");
      js("window.fetch = window.__late.unheld;");
      long last = storeOrdersDocumentAs(service, 0.4);
      await("a read that succeeds clears the error")
          .atMost(BOUND)
          .until(
              () ->
                  currentRevisionShown() == last && browser.findElement(error).getText().isEmpty());
    } finally {
      js("window.fetch = window.__late.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The service page's newest word on its agents and its history stands, as on its rules (above): a
   * failed read is not cleared by an older read's success coming later. Each read that a change
   * prompts is held, the later ones fail; released, the held answer's refresh ends and the error
   * still shows.
   */
  @Test
  void olderAgentsAndHistoryReadsAnsweredLateDoNotClearANewerError() {
    String service = "agents-read-late";
    long first = storeOrdersDocumentAs(service);
    openEditorOf(service, first);
    By agentsError = By.cssSelector("[data-test=agents-load-error]");
    holdTheFirstReadAndFailTheRest("api/v1/agents");
    try {
      // a new revision makes the page read the agents again, to measure the rollout against it
      storeOrdersDocumentAs(service, 0.2);
      await("the first agents answer held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__late.waiting"));
      storeOrdersDocumentAs(service, 0.3);
      awaitText(agentsError, "Could not load the agents: made-up outage");
      js("window.__late.release()");
      awaitEveryReadEnded("[data-test=agents-load-error]");
      assertThat(browser.findElement(agentsError).getText())
          .isEqualTo("Could not load the agents: made-up outage");
    } finally {
      js("window.fetch = window.__late.unheld;");
    }

    click(By.id("tab-history"));
    By history = By.cssSelector("#panel-history tbody");
    awaitEveryReadEnded("#panel-history tbody");
    By historyError = By.cssSelector("#panel-history .form-error");
    holdTheFirstReadAndFailTheRest("api/v1/services/" + service + "/rules/history");
    try {
      storeOrdersDocumentAs(service, 0.4);
      await("the first history answer held")
          .atMost(BOUND)
          .until(() -> (Boolean) js("return window.__late.waiting"));
      storeOrdersDocumentAs(service, 0.5);
      awaitText(historyError, "Could not load the history: made-up outage");
      js("window.__late.release()");
      awaitEveryReadEnded("#panel-history tbody");
      assertThat(browser.findElement(historyError).getText())
          .isEqualTo("Could not load the history: made-up outage");
      assertThat(browser.findElement(history).findElements(By.tagName("tr"))).isNotEmpty();
    } finally {
      js("window.fetch = window.__late.unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The service page's rules and agents failing to load alike (the connection lost) are each read
   * out once, however often the page tries again: they shared one line, which each try wrote in
   * turn, so every re-read (every 15 s, every event) read both out again as a new message.
   */
  @Test
  void rulesAndAgentsFailingAlikeAreReadOutOnce() {
    String service = "load-errors-read-once";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/");
    js(
        "const unheld = window.__unheld = window.fetch; const tries = window.__tries = {rules: 0,"
            + " agents: 0}; const rules = 'api/v1/services/' + arguments[0] + '/rules';"
            + " const agents = 'api/v1/agents?service=' + arguments[0];"
            + " window.fetch = (input, init = {}) => {"
            + "   const url = String(input);"
            // the agents are read a page at a time: ?service=...&limit=...
            + "   const kind = url === rules ? 'rules'"
            + "     : url.startsWith(agents + '&') ? 'agents' : null;"
            + "   if (!kind) return unheld(input, init);"
            + "   tries[kind]++;"
            + "   return Promise.reject(new TypeError('Failed to fetch'));"
            + " };"
            + " const said = window.__alerts = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   said.push(n.textContent)))).observe(document.getElementById('announce-alert'),"
            + " {childList: true, subtree: true});",
        service);
    rereadSoon();
    try {
      js("location.hash = arguments[0];", "#/service/" + service + "/rules");
      // the page's first reads fail, then its next tries (its timed re-read) fail alike
      await("the page tried both reads again")
          .atMost(BOUND)
          .until(
              () -> js("return Math.min(window.__tries.rules, window.__tries.agents);"),
              n -> ((Long) n) >= 2);
      @SuppressWarnings("unchecked")
      List<String> alerts = (List<String>) js("return window.__alerts;");
      assertThat(alerts)
          .filteredOn(t -> t.contains("Could not load the rules"))
          .as("the rules' error read out, in %s", alerts)
          .hasSize(1);
      assertThat(alerts)
          .filteredOn(t -> t.contains("Could not load the agents"))
          .as("the agents' error read out, in %s", alerts)
          .hasSize(1);
      // and both are shown: the one written last used to hide the other
      assertThat(browser.findElement(By.id("main")).getText())
          .contains("Could not load the rules: Failed to fetch")
          .contains("Could not load the agents: Failed to fetch");
    } finally {
      js("window.fetch = window.__unheld;");
      rereadAsUsual();
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The history, loaded before and kept current while another tab is shown, fails to load again on
   * a new revision: its error is not read out over the tab the user is on, but once the History tab
   * is shown. It used to interrupt them (the assertive region) with an error of a tab they did not
   * see, and say nothing when they went there.
   */
  @Test
  void aHiddenTabsLoadErrorIsReadOutWhenTheTabIsShown() {
    String service = "hidden-tab-load-error";
    storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    waitFor(By.cssSelector("#panel-history tr[data-revision]"));
    click(By.id("tab-rules"));
    js(
        "const unheld = window.__unheld = window.fetch; const history = 'api/v1/services/' +"
            + " arguments[0] + '/rules/history'; window.__historyTries = 0;"
            + " window.fetch = (input, init = {}) => {"
            + "   if (String(input).split('?')[0] !== history) return unheld(input, init);"
            + "   window.__historyTries++;"
            + "   return Promise.reject(new TypeError('Failed to fetch'));"
            + " };"
            + " const said = window.__alerts = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   said.push(n.textContent)))).observe(document.getElementById('announce-alert'),"
            + " {childList: true, subtree: true});",
        service);
    try {
      // a new revision: the history, loaded before, is read again behind the Rules tab
      long next = storeOrdersDocumentAs(service, 0.5);
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(next));
      await("the history is read again, and fails")
          .atMost(BOUND)
          .until(
              () ->
                  js("return document.querySelector('#panel-history .form-error').textContent")
                      .toString()
                      .contains("Could not load the history"));
      assertThat((List<?>) js("return window.__alerts;"))
          .as("read out over the Rules tab")
          .noneMatch(t -> t.toString().contains("Could not load the history"));
      click(By.id("tab-history"));
      await("the history's error is read out once its tab is shown")
          .atMost(BOUND)
          .until(
              () ->
                  ((List<?>) js("return window.__alerts;"))
                      .stream()
                          .filter(t -> t.toString().contains("Could not load the history"))
                          .count(),
              n -> n == 1);
      awaitText(By.cssSelector("#panel-history .form-error"), "Could not load the history");
    } finally {
      js("window.fetch = window.__unheld;");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * The history reads again what it missed. Shown after a read that failed, it reads again: it kept
   * "Could not load the history" over the rows of before until a new revision or a reload. After
   * the event stream was down, it reads again too: rules created and deleted meanwhile leave the
   * current revision as it was (none), and were missing from it.
   */
  @Test
  void theHistoryReadsAgainWhatItMissed() {
    String service = "history-missed";
    long first = storeOrdersDocumentAs(service);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    waitFor(By.cssSelector("#panel-history tr[data-revision='" + first + "']"));
    js(
        "const unheld = window.__unheld = window.fetch; const history = 'api/v1/services/' +"
            + " arguments[0] + '/rules/history';"
            + " window.fetch = (input, init = {}) =>"
            + "   String(input).split('?')[0] !== history ? unheld(input, init)"
            + "     : Promise.reject(new TypeError('Failed to fetch'));",
        service);
    long second;
    try {
      second = storeOrdersDocumentAs(service, 0.5);
      awaitText(By.cssSelector("#panel-history .form-error"), "Could not load the history");
    } finally {
      js("window.fetch = window.__unheld;");
    }
    click(By.id("tab-rules"));
    click(By.id("tab-history"));
    waitFor(By.cssSelector("#panel-history tr[data-revision='" + second + "']"));
    assertThat(js("return document.querySelector('#panel-history .form-error').textContent"))
        .isEqualTo("");

    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
    awaitText(By.cssSelector("[data-test=current-revision]"), "none");
    By deletes = By.xpath("//tr[td[@data-test='action' and normalize-space()='delete']]");
    await().atMost(BOUND).until(() -> browser.findElements(deletes).size() == 1);
    // the stream stops as the page is hidden, and starts again as it is shown
    js("window.dispatchEvent(new PageTransitionEvent('pagehide'));");
    long third = storeOrdersDocumentAs(service, 0.25);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
    js("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}));");
    awaitText(By.id("live"), "Live");
    waitFor(By.cssSelector("#panel-history tr[data-revision='" + third + "']"));
    await().atMost(BOUND).until(() -> browser.findElements(deletes).size() == 2);
  }

  /**
   * A writer's edits are kept as the session ends; signed in again, the page of their service
   * cannot read its rules (the connection lost), so the editor cannot put them back yet: the load
   * error says that they are kept, where nothing mentioned them before. Once the rules can be read
   * (the page's next try), they are back in the editor.
   */
  @Test
  void keptEditsAreMentionedWhenTheirPageCannotLoadItsRules() {
    String service = "kept-edits-load-error";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    String edited = documentFor(service, 0.2);
    type(editor, edited);
    loseTheSessionOver(service);
    js(
        "const unheld = window.__unheld = window.fetch; const failing = window.__failing = ["
            + " 'api/v1/services/' + arguments[0] + '/rules'];"
            + " window.fetch = (input, init = {}) => failing.includes(String(input))"
            + "   ? Promise.reject(new TypeError('Failed to fetch')) : unheld(input, init);",
        service);
    rereadSoon();
    try {
      signIn(WRITER_TOKEN);
      awaitRole("writer");
      awaitText(By.cssSelector("[data-test=load-error]"), "Could not load the rules");
      assertThat(browser.findElement(By.cssSelector("[data-test=load-error]")).getText())
          .contains("Your unsaved edits to these rules are kept in this tab");
      assertThat(announced("alert")).contains("Your unsaved edits to these rules are kept");
      js("window.__failing.length = 0;");
      awaitText(By.cssSelector("[data-test=draft-restored]"), "are back in the editor");
      assertThat(waitFor(By.id("rules-editor")).getAttribute("value")).isEqualTo(edited);
      assertThat(browser.findElement(By.cssSelector("[data-test=load-error]")).getText()).isEmpty();
      discardEdits();
    } finally {
      js("window.fetch = window.__unheld;");
      rereadAsUsual();
      js("sessionStorage.removeItem('sluice.drafts');");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Host names run up to 253 characters and rule names up to 128: a long breaker key, target or
   * deciding rule wraps in its cell instead of running over the next column or widening the page.
   */
  @Test
  void longHostAndRuleNamesWrapInsteadOfPushingColumnsAway() {
    String rule = "r" + "x".repeat(127);
    HttpResponse<String> stored =
        api(
            "PUT",
            "/api/v1/services/long-names/rules",
            WRITER_TOKEN,
            ordersDocument(0.0)
                .replace("\"service\": \"orders\"", "\"service\": \"long-names\"")
                .replace("\"drop-health\"", "\"" + rule + "\""),
            Map.of());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    open(WRITER_TOKEN, "/service/long-names/dry-run");
    WebElement name = waitFor(By.id("dry-span-name"));
    name.clear();
    name.sendKeys("GET /health");
    click(By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("[data-test=deciding-rule]"), rule);
    assertThat(
            js(
                "return document.documentElement.scrollWidth <="
                    + " document.documentElement.clientWidth;"))
        .as("no horizontal scrolling")
        .isEqualTo(true);

    Object overflowing =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/agents-panel.js'), import('/js/dependencies-panel.js')])"
                + ".then(([m, a, d]) => {"
                + " const host = 'svc-' + 'k'.repeat(230) + '.example.internal';"
                + " const view = m.agentView({ instanceId: 'i', service: 'x',"
                + " appliedRevision: 2,"
                + " breakers: [{ policy: 'p', key: host + ':8443', state: 'OPEN' }] }, 2);"
                + " const root = document.createElement('div');"
                + " document.getElementById('main').appendChild(root);"
                + " new a.AgentsPanel(root, { on() {}, unreadableAgents: () => 0,"
                + " sluiceVersions: () => null,"
                + " agentViews: () => [view] }).render();"
                + " const deps = new d.DependenciesPanel(document.createElement('div'),"
                + " { on() {}, service: 'x', canWrite: true, agentsLoaded: true,"
                + " agents: [view], agentViews: () => [view] });"
                + " root.appendChild(deps.root);"
                + " deps.render([{ target: host + ':8443', callsPerMinute: 100,"
                + " errorsPerMinute: 5,"
                + " p99Millis: 120, guardedBy: [], suggestedPolicy:"
                + " { name: 'svc-' + 'k'.repeat(100) + '-0a1b2c3d-8443',"
                + " match: { host, port: 8443 }, shadow: true } }]);"
                + " const over = [...root.querySelectorAll('tbody td, tbody th, .table-card')]"
                + " .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.className"
                + " || c.tagName);"
                + " root.remove(); done(over.join(','));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(overflowing).isEqualTo("");
    api("DELETE", "/api/v1/services/long-names/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A fleet rewrites its status all the time (every agent at least once a minute): the overview
   * re-reads the services list (its counts of each service's agents) at most every 2 seconds while
   * their events keep coming, not once per event, and never the agent list (every agent's breakers
   * and targets: hundreds of kilobytes for hundreds of agents).
   */
  @Test
  void aStormOfAgentReportsIsReadAtMostEveryTwoSeconds() throws Exception {
    openOverview();
    js("performance.clearResourceTimings(); performance.setResourceTimingBufferSize(10000);");
    try {
      // the fleet reports at its own pace: ten status writes a second, forty in all
      AtomicInteger written = new AtomicInteger();
      long started = System.nanoTime();
      ScheduledExecutorService fleet = Executors.newSingleThreadScheduledExecutor();
      try {
        fleet.scheduleAtFixedRate(
            () -> {
              int i = written.get();
              if (i < 40) {
                writeStormStatus(i);
                written.incrementAndGet();
              }
            },
            0,
            100,
            TimeUnit.MILLISECONDS);
        await("40 status writes").atMost(Duration.ofSeconds(60)).until(() -> written.get() == 40);
      } finally {
        fleet.shutdownNow();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      awaitText(By.cssSelector("tr[data-service='storm'] [data-test=rollout]"), "/5");
      Object reads =
          js(
              "return performance.getEntriesByType('resource')"
                  + ".filter(r => /\\/api\\/v1\\/services$/.test(r.name)).length;");
      Object agentListReads =
          js(
              "return performance.getEntriesByType('resource')"
                  + ".filter(r => /\\/api\\/v1\\/agents$/.test(r.name)).length;");
      // one read per 2 s while events come (4 s on an idle machine: at most 5 in all), however
      // long a busy machine took to write them
      assertThat((Long) reads)
          .as("services list reads during 40 events in %.1f s", seconds)
          .isBetween(1L, (long) (seconds / 2) + 3);
      assertThat((Long) agentListReads).as("agent list reads").isZero();
    } finally {
      // no lease: gone only when deleted
      for (int i = 0; i < 5; i++) {
        etcd.server().delete("/sluice/v1/agents/storm/storm-" + i);
      }
    }
  }

  private static void writeStormStatus(int i) {
    Instant now = Instant.now();
    etcd.server()
        .put(
            "/sluice/v1/agents/storm/storm-" + (i % 5),
            AgentStatusCodec.write(
                new AgentStatus(
                    "storm-" + (i % 5),
                    "storm",
                    "storm-host",
                    i,
                    new AgentStatus.Versions("0.1.0", "1.65.0", "17"),
                    now,
                    now,
                    "etcd",
                    0,
                    null,
                    List.of(),
                    List.of())));
  }

  @Test
  void anErrorThatIsNotAProblemDocumentIsToldByItsStatus() {
    String service = "proxied";
    // an encoded '/' in the service name: the servlet container refuses it, as a problem too
    open(WRITER_TOKEN, "/service/a%2Fb/rules");
    awaitText(By.cssSelector("[data-test=load-error]"), "malformed URL");
    assertThat(browser.findElement(By.cssSelector("[data-test=load-error]")).getText())
        .startsWith("Could not load the rules: ")
        .doesNotContain("<");

    // a proxy in front of the control plane answering with its own HTML page
    browser.get(baseUrl() + "/#/");
    waitFor(By.id("open-service"));
    js(
        "window.__unproxied = window.fetch; window.fetch = (...a) =>"
            + " /api\\/v1\\/services\\/"
            + service
            + "\\/rules$/.test(String(a[0]))"
            + " ? Promise.resolve(new Response('<!DOCTYPE html><html><body><h1>502 Bad"
            + " Gateway</h1></body></html>', {status: 502, headers: {'Content-Type':"
            + " 'text/html'}})) : window.__unproxied(...a);");
    try {
      js("location.hash = '#/service/" + service + "/rules';");
      awaitText(By.cssSelector("[data-test=load-error]"), "HTTP 502");
      assertThat(browser.findElement(By.cssSelector("[data-test=load-error]")).getText())
          .startsWith("Could not load the rules: ")
          .doesNotContain("<")
          .doesNotContainIgnoringCase("doctype");
    } finally {
      js("window.fetch = window.__unproxied;");
    }
  }

  @Test
  void aReaderSeesNoEditControlsAndCannotWrite() {
    String service = "read-only";
    long firstRevision = storeAs(OTHER_WRITER_TOKEN, service, documentFor(service, 0.0));
    startAgent(service);
    open(WRITER_TOKEN, "/");
    click(By.id("sign-out"));
    waitFor(By.id("token"));
    assertThat(js("return sessionStorage.getItem('sluice.token')")).isNull();

    signIn(READER_TOKEN);
    awaitRole("reader");
    assertThat(browser.findElements(By.id("open-service"))).isEmpty();
    browser.get(baseUrl() + "/#/service/" + service + "/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
    assertThat(editor.getAttribute("readonly")).isNotNull();
    waitFor(By.cssSelector("[data-test=read-only]"));
    assertThat(browser.findElements(By.cssSelector("[data-test=review]"))).isEmpty();
    assertThat(browser.findElements(By.id("change-comment"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=delete-rules]"))).isEmpty();
    screenshots.save("10-reader-view");

    click(By.id("tab-history"));
    awaitText(By.cssSelector("tr[data-revision='" + firstRevision + "']"), "bob");
    assertThat(browser.findElements(By.cssSelector("[data-test=rollback]"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=compare]"))).isNotEmpty();
    click(By.id("tab-dependencies"));
    awaitText(By.cssSelector("tr[data-target='inventory:8080']"), "inventory");
    assertThat(browser.findElements(By.cssSelector("[data-test=add-policy]"))).isEmpty();

    HttpResponse<String> refused =
        api(
            "PUT",
            "/api/v1/services/" + service + "/rules",
            READER_TOKEN,
            documentFor(service, 1.0),
            Map.of());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).doesNotContain("drop-health");
  }

  @Test
  void fitsALaptopAndAWideScreen() {
    String service = "layout";
    storeOrdersDocumentAs(service);
    startAgent(service);
    try {
      open(WRITER_TOKEN, "/service/" + service + "/rules");
      WebElement editor = waitFor(By.id("rules-editor"));
      await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
      for (Dimension size : List.of(new Dimension(1280, 800), new Dimension(1920, 1080))) {
        browser.manage().window().setSize(size);
        awaitText(By.id("editor-status"), "No problems found.");
        // Nothing wider than the window: no horizontal page scroll.
        assertThat(
                (Long)
                    js(
                        "return document.documentElement.scrollWidth"
                            + " - document.documentElement.clientWidth;"))
            .isLessThanOrEqualTo(0L);
        screenshots.save("11-rules-" + size.getWidth() + "x" + size.getHeight());
      }
      // every agents column header inside its cell ("Applied revision" wraps, no overflow)
      browser.get(baseUrl() + "/#/service/" + service + "/agents");
      waitFor(By.cssSelector("tr[data-instance='" + service + "-1']"));
      for (Dimension size :
          List.of(new Dimension(1280, 800), new Dimension(1440, 960), new Dimension(1920, 1080))) {
        browser.manage().window().setSize(size);
        await()
            .atMost(BOUND)
            .untilAsserted(
                () ->
                    assertThat(
                            (List<?>)
                                js(
                                    "return [...document.querySelectorAll('table.agents thead th')]"
                                        + ".filter(th => { const r = document.createRange();"
                                        + " r.selectNodeContents(th); const t ="
                                        + " r.getBoundingClientRect();"
                                        + " const c = th.getBoundingClientRect();"
                                        + " const s = getComputedStyle(th);"
                                        + " return t.left < c.left +"
                                        + " parseFloat(s.paddingLeft) - 0.5"
                                        + " || t.right > c.right -"
                                        + " parseFloat(s.paddingRight) + 0.5; })"
                                        + ".map(th => th.textContent);"))
                        .as("agents headers wider than their cells at " + size)
                        .isEmpty());
      }
    } finally {
      browser.manage().window().setSize(new Dimension(1440, 960));
    }
  }

  @Test
  void theEditorFindsWhatTheServerFindsWithTheSameSchema() throws Exception {
    openOverview();
    List<String> documents =
        List.of(
            "{\"schemaVersion\": 1, \"service\": \"parity\","
                + " \"sampling\": {\"defaultRatio\": 1.5, \"rules\": [{\"match\":"
                + " {\"spanKind\": \"SERVR\","
                + " \"spanName\": \"GET /a***\"}, \"ratio\": 0.5}]}}",
            "{\"schemaVersion\": 1, \"service\": \"parity\", \"breakers\": [{\"name\": \"p\","
                + " \"match\": {\"port\": 70000}, \"minimumCalls\": 0,"
                + " \"waitInOpenState\": \"10 sec\","
                + " \"slidingWindow\": {\"type\": \"COUNT\", \"size\": -1},"
                + " \"falureRateThreshold\": 5,"
                + " \"failureStatusCodes\": [\"5xx\", \"6xx\"]}]}",
            "{\"schemaVersion\": 2, \"service\": \"parity\", \"sampling\":"
                + " {\"respectParentDecision\":"
                + " \"yes\"}, \"breakers\": [{\"name\": \"q\", \"onOpen\": {\"mode\":"
                + " \"respond\"}}]}",
            // the names the sampler records on spans no rule decided; a breaker may take them
            "{\"schemaVersion\": 1, \"service\": \"parity\", \"sampling\": {\"rules\":"
                + " [{\"name\": \"default\", \"ratio\": 1}, {\"name\": \"Default\", \"ratio\": 1},"
                + " {\"name\": \"parent\", \"ratio\": 0}]}, \"breakers\": [{\"name\": \"parent\"}]}");
    for (String document : documents) {
      HttpResponse<String> refused =
          api("PUT", "/api/v1/services/parity/rules", WRITER_TOKEN, document, Map.of());
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      Set<String> serverPaths = new TreeSet<>();
      new ObjectMapper()
          .readTree(refused.body())
          .get("errors")
          .forEach(error -> serverPaths.add(error.get("path").asText()));
      assertThat(clientErrorPaths(document)).as(document).isEqualTo(serverPaths);
    }
    // and says why a reserved name is refused, not only that it is
    assertThat(clientErrors(documents.get(documents.size() - 1)))
        .containsExactly(
            "$.sampling.rules[0].name: is not allowed: default and parent are reserved: the sampler"
                + " records them as sluice.sampling.rule on the spans no rule decided (kept by"
                + " defaultRatio, or following their parent's decision)",
            "$.sampling.rules[2].name: is not allowed: default and parent are reserved: the sampler"
                + " records them as sluice.sampling.rule on the spans no rule decided (kept by"
                + " defaultRatio, or following their parent's decision)");
    // and gives the length of a name over the limit, as the server does
    String longName =
        "{\"schemaVersion\": 1, \"service\": \"parity\", \"breakers\": [{\"name\": \""
            + "n".repeat(140)
            + "\"}]}";
    HttpResponse<String> tooLong =
        api("PUT", "/api/v1/services/parity/rules", WRITER_TOKEN, longName, Map.of());
    assertThat(tooLong.body()).contains("may be at most 128 characters long, not 140");
    assertThat(clientErrors(longName))
        .containsExactly("$.breakers[0].name: may be at most 128 characters long, not 140");
    for (String example : List.of("orders.json", "default.json", "payments-fallback.json")) {
      String document;
      try (var in = getClass().getClassLoader().getResourceAsStream("examples/" + example)) {
        document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(clientErrorPaths(document)).as(example).isEmpty();
    }
  }

  @Test
  void reapplyingEditsAfterAConflictKeepsTheUsersRuleOrderAndFlagsIt() throws Exception {
    openOverview();
    String a = "{\"name\": \"a\", \"ratio\": 0.1}";
    String b = "{\"name\": \"b\", \"ratio\": 0.2}";
    String c = "{\"name\": \"c\", \"ratio\": 0.3}";
    // the user moved b before a; meanwhile someone else added c
    JsonNode merged =
        merge3(
            "{\"rules\": [" + a + ", " + b + "]}",
            "{\"rules\": [" + b + ", " + a + "]}",
            "{\"rules\": [" + a + ", " + b + ", " + c + "]}");
    assertThat(ruleNames(merged)).containsExactly("b", "a", "c");
    assertThat(merged.get("conflicts").toString()).contains("$.rules");

    // without a reordering, their order stands and nothing is flagged
    JsonNode plain =
        merge3(
            "{\"rules\": [" + a + ", " + b + "]}",
            "{\"rules\": [" + a + ", " + b + ", {\"name\": \"d\"}]}",
            "{\"rules\": [" + a + ", " + b + ", " + c + "]}");
    assertThat(ruleNames(plain)).containsExactly("a", "b", "c", "d");
    assertThat(plain.get("conflicts")).isEmpty();
  }

  /**
   * A rule the user inserted above the rules already there stays where they put it when their edits
   * are re-applied over another writer's change, and the list is flagged. It went to the end,
   * behind rules that may match first, with nothing flagged: "Check the changes and save again".
   */
  @Test
  void reapplyingEditsKeepsARuleTheUserInsertedWhereTheyPutIt() throws Exception {
    openOverview();
    String a = "{\"name\": \"a\", \"ratio\": 0.1}";
    String b = "{\"name\": \"b\", \"ratio\": 0.2}";
    String n = "{\"name\": \"n\", \"ratio\": 1}";
    String changedA = "{\"name\": \"a\", \"ratio\": 0.5}";
    JsonNode merged =
        merge3(
            "{\"rules\": [" + a + ", " + b + "]}",
            "{\"rules\": [" + n + ", " + a + ", " + b + "]}",
            "{\"rules\": [" + changedA + ", " + b + "]}");

    assertThat(ruleNames(merged)).containsExactly("n", "a", "b");
    assertThat(merged.get("value").get("rules").get(1).get("ratio").asDouble())
        .as("their change to a is kept")
        .isEqualTo(0.5);
    assertThat(merged.get("conflicts").toString()).contains("$.rules");
  }

  @Test
  void aContentSecurityPolicyViolationWouldBeSeen() {
    // the check after each test can fail: an inline style is refused and reported
    openOverview();
    js(
        "const style = document.createElement('style');"
            + " style.textContent = 'body { color: red; }'; document.head.appendChild(style);");
    await()
        .atMost(BOUND)
        .alias("the browser reports the refused inline style")
        .until(() -> !cspViolations().isEmpty());
  }

  @Test
  void aNameNoAgentReportsSaysSoAndShowsTheTemplateAsATemplate() {
    open(READER_TOKEN, "/service/ordres/rules");
    awaitText(
        By.cssSelector("[data-test=unknown-service]"), "No agent reports the service name ordres");
    assertThat(browser.findElement(By.cssSelector("[data-test=unknown-service]")).getText())
        .contains("typos");
    awaitText(By.cssSelector("[data-test=template]"), "starter template");
    assertThat(browser.findElement(By.cssSelector("[data-test=template]")).getText())
        .contains("not stored rules");
    click(By.id("tab-dependencies"));
    awaitText(By.cssSelector("[data-test=no-dependencies]"), "No agent of ordres reports yet");

    // _default is no name an agent reports, nor one to check for typos: without a document and
    // with no agent falling back to it, its page shows the template alone
    api("DELETE", "/api/v1/services/_default/rules", WRITER_TOKEN, null, Map.of());
    browser.get(baseUrl() + "/#/service/_default/rules");
    awaitText(By.cssSelector("[data-test=template]"), "_default has no rules stored");
    awaitEveryReadEnded("[data-test=agents-load-error]");
    assertThat(js("return document.querySelectorAll('#panel-agents tr[data-instance]').length"))
        .isEqualTo(0L);
    assertThat(browser.findElement(By.cssSelector("[data-test=unknown-service]")).isDisplayed())
        .isFalse();

    // a service with rules and agents shows neither note
    String known = "known";
    storeOrdersDocumentAs(known);
    startAgent(known);
    browser.get(baseUrl() + "/#/service/" + known + "/rules");
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
    awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
    assertThat(browser.findElement(By.cssSelector("[data-test=unknown-service]")).isDisplayed())
        .isFalse();
    assertThat(browser.findElement(By.cssSelector("[data-test=template]")).isDisplayed()).isFalse();
  }

  @Test
  void showsHowManyBreakersAndErrorsAnAgentLeftOutOfItsStatus() {
    open(WRITER_TOKEN, "/");
    // an agent lists at most 200 breakers and 50 errors and counts the rest
    Object shown =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/agents-panel.js')]).then(([m, p]) => {"
                + " const view = m.agentView({ instanceId: 'i', service: 'x',"
                + " appliedRevision: 2, breakers: [{ policy: 'tenants', key: 'a:443',"
                + " state: 'OPEN' }], breakersOmitted: 14800, rejected: { revision: 3,"
                + " errors: ['$.a: bad'], errorsOmitted: 950 } }, 3);"
                + " const root = document.createElement('div');"
                + " const panel = new p.AgentsPanel(root, { on() {}, unreadableAgents: () => 0,"
                + " sluiceVersions: () => null,"
                + " agentViews:"
                + " () => [view] });"
                + " panel.render();"
                + " done(root.querySelector('[data-test=breakers-omitted]').textContent + ' | '"
                + " + root.querySelector('[data-test=errors-omitted]').textContent);"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(shown).isEqualTo("+14800 more | … and 950 more");
  }

  /**
   * An agent lists up to 200 breakers: past 3 closed ones its row folds them into a count, those
   * not closed first (open, half-open, then a shadow breaker that would open), wherever the agent
   * listed them; the count opens them in place, and stays open through a live update. An agent with
   * a few closed breakers shows them as they are.
   */
  @Test
  void foldsAnAgentsManyClosedBreakersIntoACountWithTheOthersFirst() {
    open(WRITER_TOKEN, "/");
    Object shown =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/agents-panel.js')]).then(([m, p]) => {"
                + " const closed = Array.from({ length: 180 }, (_, i) =>"
                + " ({ policy: 't', key: `c${i}:443`, state: 'CLOSED' }));"
                + " const raw = { instanceId: 'many', service: 'x', appliedRevision: 2,"
                + " breakers: [...closed.slice(0, 90),"
                + " { policy: 's', key: 'shadow:443', state: 'OPEN', shadow: true },"
                + " { policy: 'h', key: 'half:443', state: 'HALF_OPEN' },"
                + " ...closed.slice(90), { policy: 'o', key: 'open:443', state: 'OPEN' }] };"
                + " const few = m.agentView({ instanceId: 'few', service: 'x',"
                + " appliedRevision: 2, breakers: closed.slice(0, 2) }, 2);"
                + " let views = [m.agentView(raw, 2), few];"
                + " const root = document.createElement('div');"
                + " document.getElementById('main').appendChild(root);"
                + " const panel = new p.AgentsPanel(root, { on() {}, unreadableAgents: () => 0,"
                + " sluiceVersions: () => null,"
                + " agentViews: () => views });"
                + " panel.render();"
                + " const cell = (id) => root.querySelector(`tr[data-instance=${id}] td.chips`);"
                + " const visible = (id) => [...cell(id).querySelectorAll('.chip')]"
                + ".filter(c => c.offsetParent !== null)"
                + ".map(c => c.querySelector('.chip-label').textContent);"
                + " const toggle = cell('many').querySelector('[data-test=closed-toggle]');"
                + " const folded = [visible('many').join(' '), toggle.textContent,"
                + " toggle.getAttribute('aria-expanded'), visible('few').join(' '),"
                + " cell('few').querySelector('[data-test=closed-toggle]').offsetParent]"
                + ".join(' | ');"
                + " toggle.click();"
                + " const opened = [visible('many').length, toggle.textContent,"
                + " toggle.getAttribute('aria-expanded')].join(' | ');"
                + " views = [m.agentView({ ...raw, breakers: raw.breakers.map(b =>"
                + " b.key === 'half:443' ? { ...b, state: 'CLOSED' } : b) }, 2), few];"
                + " panel.render();"
                + " const updated = [visible('many').length, toggle.textContent,"
                + " toggle.isConnected].join(' | ');"
                + " root.remove(); done([folded, opened, updated].join(' || '));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(shown)
        .isEqualTo(
            "open:443 half:443 shadow:443 | 180 closed | false | c0:443 c1:443 | "
                + " || 183 | hide 180 closed | true"
                + " || 183 | hide 181 closed | true");
  }

  /**
   * An agent whose service's document was deleted and that has not applied the delete yet still
   * reports the deleted revision, above the one it should now run (_default's, or the built-in
   * defaults' 0): the Agents tab shows it ahead, as the rollout's {@code ahead} list says, not
   * behind, and says why; the model judges it so without a rollout too.
   */
  @Test
  void showsAnAgentStillOnADeletedDocumentAheadNotBehind() {
    String service = "ahead-agents";
    long revision = storeOrdersDocumentAs(service);
    String agentKey = "/sluice/v1/agents/" + service + "/" + service + "-1";
    etcd.server().put(agentKey, statusOf(service, service + "-1", "etcd", revision));
    try {
      HttpResponse<String> deleted =
          api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      open(WRITER_TOKEN, "/service/" + service + "/agents");
      By status = By.cssSelector("tr[data-instance='" + service + "-1'] [data-test=agent-status]");
      awaitText(status, "ahead");
      assertThat(browser.findElement(status).getAttribute("title"))
          .contains("a document deleted since");
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "0/1");
    } finally {
      etcd.server().delete(agentKey);
    }
    Object judged =
        asyncJs(
            "const done = arguments[0]; import('/js/model.js').then(m => done(["
                + " m.agentView({ instanceId: 'a', service: 'x', appliedRevision: 5 }, 3)"
                + ".status,"
                + " m.agentView({ instanceId: 'b', service: 'x', appliedRevision: 5,"
                + " rejected: { revision: 3, errors: ['$.a: bad'] } }, 3).status,"
                + " m.agentView({ instanceId: 'c', service: 'x', appliedRevision: 2 }, 3)"
                + ".status].join(' ')))"
                + ".catch(e => done('failed: ' + e));");
    assertThat(judged).isEqualTo("ahead rejected behind");
  }

  /**
   * The agents list is drawn while its tab is shown: an agent's report that reaches a page on
   * another tab updates the service's head (its rollout) but leaves the list undrawn until the tab
   * is chosen, which then shows it as it is. Before, every report redrew the whole hidden list.
   */
  @Test
  void theAgentsListIsDrawnOnlyWhileItsTabIsShown() {
    String service = "agents-off-tab";
    long revision = storeOrdersDocumentAs(service);
    String key = "/sluice/v1/agents/" + service + "/" + service + "-1";
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    waitFor(By.id("rules-editor"));
    awaitText(By.cssSelector(".service-head [data-test=rollout]"), "0/0");
    Object counting =
        asyncJs(
            "const done = arguments[0]; import('/js/agents-panel.js').then(p => {"
                + " const draw = p.AgentsPanel.prototype.render; window.agentLists = 0;"
                + " p.AgentsPanel.prototype.render = function () {"
                + "   window.agentLists++; return draw.call(this); };"
                + " done('counting'); }).catch(e => done('failed: ' + e));");
    assertThat(counting).isEqualTo("counting");
    try {
      etcd.server().put(key, statusWithVersions(service, service + "-1", revision, "0.1.0"));
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/1");
      assertThat(js("return window.agentLists;")).as("lists drawn off the tab").isEqualTo(0L);

      click(By.id("tab-agents"));
      awaitText(
          By.cssSelector("tr[data-instance='" + service + "-1'] [data-test=agent-versions]"),
          "Sluice 0.1.0");
      // at least once: a read of the agents that was still out when the tab was chosen draws the
      // shown list again as it lands (the head's 1/1 may come from the rollout's read first)
      assertThat((Long) js("return window.agentLists;")).as("lists drawn on the tab").isPositive();
    } finally {
      etcd.server().delete(key);
      api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
    }
  }

  /**
   * A service of many instances has its agents listed a page at a time (200), not every status in
   * one answer and a row for each: the tab says how many of how many it lists and shows more on a
   * click, and the head counts every agent, those on the page not listed too (the agents behind and
   * the one open breaker are all past the first page). The note on Sluice versions counts every
   * agent too (the one upgraded is past the first page, so the agents listed run one version). A
   * refresh an agent's report prompts keeps the page opened listed.
   */
  @Test
  void listsManyAgentsAPageAtATimeAndCountsThemAll() {
    String service = "many-agents";
    long revision = storeOrdersDocumentAs(service);
    String prefix = "/sluice/v1/agents/" + service + "/";
    List<String> keys = new ArrayList<>();
    try {
      // 230 agents in the control plane's order m-000 to m-229: the last 20 one revision behind,
      // the last one with an open breaker and upgraded to Sluice 0.2.0
      for (int i = 0; i < 230; i++) {
        String instance = String.format(Locale.ROOT, "m-%03d", i);
        keys.add(prefix + instance);
        etcd.server()
            .put(
                prefix + instance,
                manyAgentsStatus(
                    service,
                    instance,
                    i < 210 ? revision : revision - 1,
                    i == 229,
                    i == 229 ? "0.2.0" : "0.1.0"));
      }
      open(WRITER_TOKEN, "/service/" + service + "/agents");
      By rows = By.cssSelector("table.agents tbody tr");
      By head = By.cssSelector(".service-head [data-test=rollout]");
      awaitText(head, "210/230");
      awaitText(By.cssSelector("[data-test=agents-listed]"), "200 of 230 agents listed");
      assertThat(browser.findElements(rows)).hasSize(200);
      assertThat(browser.findElements(By.cssSelector("tr[data-instance='m-199']"))).hasSize(1);
      assertThat(browser.findElements(By.cssSelector("tr[data-instance='m-200']"))).isEmpty();
      assertThat(visibleText(".service-head [data-test=agents-rejected]")).isEqualTo("0");
      awaitText(By.cssSelector(".service-head [data-test=breakers-open]"), "1");
      By versions = By.cssSelector("[data-test=sluice-versions]");
      awaitText(versions, "different Sluice versions");
      assertThat(browser.findElement(versions).getText())
          .isEqualTo(
              "These agents run different Sluice versions: 0.1.0 (229 agents), 0.2.0 (1 agent).");

      click(By.cssSelector("[data-test=more-agents]"));
      awaitText(By.cssSelector("tr[data-instance='m-229'] [data-test=agent-status]"), "behind");
      assertThat(browser.findElements(rows)).hasSize(230);
      // the rows of the page shown more go below those listed
      assertThat(browser.findElements(rows).get(229).getAttribute("data-instance"))
          .isEqualTo("m-229");
      await("the foot goes once every agent is listed")
          .atMost(BOUND)
          .until(
              () -> !browser.findElement(By.cssSelector("[data-test=more-agents]")).isDisplayed());
      assertThat(browser.findElement(head).getText()).isEqualTo("210/230");

      // a new agent's report refreshes the list: the page opened stays listed, with it
      keys.add(prefix + "m-230");
      etcd.server()
          .put(prefix + "m-230", manyAgentsStatus(service, "m-230", revision, false, "0.1.0"));
      awaitText(head, "211/231");
      await("the refreshed list keeps the page opened")
          .atMost(BOUND)
          .until(() -> browser.findElements(rows).size() == 231);
      assertThat(browser.findElement(By.cssSelector("[data-test=more-agents]")).isDisplayed())
          .isFalse();
    } finally {
      keys.forEach(key -> etcd.server().delete(key));
      api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
    }
  }

  /**
   * A status of {@code service}'s agent {@code instance}, running Sluice {@code sluice}, with one
   * open breaker when asked.
   */
  private static String manyAgentsStatus(
      String service, String instance, long revision, boolean openBreaker, String sluice) {
    return AgentStatusCodec.write(
        new AgentStatus(
            instance,
            service,
            instance + "-host",
            7,
            new AgentStatus.Versions(sluice, "1.65.0", "17"),
            Instant.now(),
            Instant.now(),
            "etcd",
            revision,
            null,
            openBreaker
                ? List.of(
                    new AgentStatus.BreakerState(
                        "payments", "payments.example.com:443", "OPEN", 100, 0, false))
                : List.of(),
            List.of()));
  }

  /**
   * Each agent's row names the Sluice, OpenTelemetry and Java versions it reports, and while the
   * service's agents run different Sluice versions (an upgrade under way) the tab says which, with
   * how many agents each; once every agent runs one, that goes.
   */
  @Test
  void showsEachAgentsVersionsAndWhileAnUpgradeIsUnderWayWhichSluiceVersionsRun() {
    String service = "upgrading-agents";
    long revision = storeOrdersDocumentAs(service);
    String prefix = "/sluice/v1/agents/" + service + "/";
    etcd.server().put(prefix + "a-1", statusWithVersions(service, "a-1", revision, "0.1.0"));
    etcd.server().put(prefix + "a-2", statusWithVersions(service, "a-2", revision, "0.1.0"));
    etcd.server().put(prefix + "a-3", statusWithVersions(service, "a-3", revision, "0.2.0"));
    try {
      open(WRITER_TOKEN, "/service/" + service + "/agents");
      By notice = By.cssSelector("[data-test=sluice-versions]");
      awaitText(notice, "different Sluice versions");
      assertThat(browser.findElement(notice).getText())
          .isEqualTo(
              "These agents run different Sluice versions: 0.1.0 (2 agents), 0.2.0 (1 agent).");
      assertThat(visibleText("tr[data-instance='a-3'] [data-test=agent-versions]"))
          .isEqualTo("Sluice 0.2.0 \u00b7 OTel 1.65.0 \u00b7 Java 21.0.5+11");
      assertThat(visibleText("tr[data-instance='a-3'] [data-test=agent-host]"))
          .isEqualTo("a-3-host (7)");

      // the last two upgrade: the page follows the agents' reports, and the notice goes
      etcd.server().put(prefix + "a-1", statusWithVersions(service, "a-1", revision, "0.2.0"));
      etcd.server().put(prefix + "a-2", statusWithVersions(service, "a-2", revision, "0.2.0"));
      awaitText(
          By.cssSelector("tr[data-instance='a-1'] [data-test=agent-versions]"), "Sluice 0.2.0");
      awaitText(
          By.cssSelector("tr[data-instance='a-2'] [data-test=agent-versions]"), "Sluice 0.2.0");
      await("the notice goes once every agent runs one version")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !browser.findElement(notice).isDisplayed());
      assertThat(labelsWithHiddenCharacters()).isEmpty();
    } finally {
      List.of("a-1", "a-2", "a-3").forEach(instance -> etcd.server().delete(prefix + instance));
    }
    Object lines =
        asyncJs(
            "const done = arguments[0]; import('/js/agents-panel.js').then(p => done(["
                + " p.versionsText({ sluice: '0.2.0' }),"
                + " p.versionsText({}), p.versionsText(null),"
                + " p.versionsText({ sluice: 2, java: '21\u202e' }),"
                + " p.mixedSluiceVersions([{ versions: { sluice: '1' } }, { versions: {} }]),"
                + " p.mixedSluiceVersions([{ versions: { sluice: '1' } },"
                + " { versions: { sluice: '1' } }])].join(' | ')))"
                + ".catch(e => done('failed: ' + e));");
    assertThat(lines)
        .isEqualTo(
            "Sluice 0.2.0 |  |  | Sluice 2 \u00b7 Java 21\\u202e"
                + " | 1 (1 agent), unreported (1 agent) | ");
  }

  /** A status of {@code service}'s agent {@code instance} running Sluice {@code sluice}. */
  private static String statusWithVersions(
      String service, String instance, long revision, String sluice) {
    return statusOf(
        service,
        instance,
        "etcd",
        revision,
        new AgentStatus.Versions(sluice, "1.65.0", "21.0.5+11"));
  }

  @Test
  void marksAStatusTheAgentHasNotRewrittenForMinutesAsStale() {
    open(WRITER_TOKEN, "/");
    // agents rewrite their status at least once a minute: a live key much older than that belongs
    // to an agent that cannot write (etcd full, or refusing its writes)
    Object shown =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/agents-panel.js')]).then(([m, p]) => {"
                + " const ago = (min) => new Date(Date.now() - min * 60000).toISOString();"
                + " const views = [m.agentView({ instanceId: 'old', service: 'x',"
                + " appliedRevision: 2, updatedAt: ago(10) }, 2), m.agentView({ instanceId:"
                + " 'fresh', service: 'x', appliedRevision: 2, updatedAt: ago(1) }, 2)];"
                + " const root = document.createElement('div');"
                + " const panel = new p.AgentsPanel(root, { on() {}, unreadableAgents: () => 0,"
                + " sluiceVersions: () => null,"
                + " agentViews:"
                + " () => views });"
                + " panel.render();"
                + " const chip = (id) => root.querySelector(`tr[data-instance=${id}]"
                + " [data-test=stale]`);"
                + " done([chip('old') && chip('old').textContent, chip('fresh')].join(' | '));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(shown).isEqualTo("stale | ");
  }

  @Test
  void marksAStatusDatedAfterNowAsFromAnAgentWhoseClockIsAhead() {
    open(WRITER_TOKEN, "/");
    // its "ago" would read "just now" for as long as its clock is ahead, stopped or not
    Object shown =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/agents-panel.js')]).then(([m, p]) => {"
                + " const at = (min) => new Date(Date.now() + min * 60000).toISOString();"
                + " const views = [m.agentView({ instanceId: 'ahead', service: 'x',"
                + " appliedRevision: 2, updatedAt: at(10) }, 2), m.agentView({ instanceId:"
                + " 'fresh', service: 'x', appliedRevision: 2, updatedAt: at(0) }, 2)];"
                + " const root = document.createElement('div');"
                + " const panel = new p.AgentsPanel(root, { on() {}, unreadableAgents: () => 0,"
                + " sluiceVersions: () => null,"
                + " agentViews:"
                + " () => views });"
                + " panel.render();"
                + " const cell = (id) => root.querySelector(`tr[data-instance=${id}]"
                + " td:last-child`);"
                + " const chip = (id) => cell(id).querySelector('[data-test=clock-ahead]');"
                + " done([chip('ahead') && chip('ahead').textContent, chip('fresh'),"
                + " cell('ahead').querySelector('time'), cell('fresh').textContent]"
                + ".join(' | '));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(shown).isEqualTo("clock ahead |  |  | just now");
  }

  /**
   * An agent reports its 50 busiest targets and counts the rest: the Dependencies tab says that
   * some were left out (a quiet target only they call cannot be listed), and how many agents call
   * each listed target.
   */
  @Test
  void saysAgentsLeftTargetsOutOfTheirReportsAndHowManyAgentsCallEachTarget() {
    String service = "many-targets";
    storeOrdersDocumentAs(service);
    List<AgentStatus.TargetStats> targets =
        IntStream.range(0, 53)
            .mapToObj(
                i ->
                    new AgentStatus.TargetStats(
                        String.format(Locale.ROOT, "dep-%02d.example:9000", i),
                        1000 - i,
                        0,
                        10.0,
                        null))
            .toList();
    startAgent(service, () -> targets, null);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement loaded = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> loaded.getAttribute("value").contains("drop-health"));
    click(By.id("tab-dependencies"));
    awaitText(By.cssSelector("tr[data-target='dep-00.example:9000'] [data-test=agents]"), "1");
    awaitText(
        By.cssSelector("[data-test=targets-capped]"),
        "1 of 1 agents left some targets out of their reports");
    assertThat(browser.findElements(By.cssSelector("table.deps tbody tr"))).hasSize(50);

    HttpResponse<String> unprotected =
        api("GET", "/api/v1/services/" + service + "/unprotected", READER_TOKEN, null, Map.of());
    assertThat(unprotected.headers().firstValue("X-Sluice-Agents")).contains("1");
    assertThat(unprotected.headers().firstValue("X-Sluice-Agents-Capped")).contains("1");
    assertThat(unprotected.headers().firstValue("X-Sluice-Targets-Omitted")).contains("3");
  }

  /**
   * An app that makes calls through a client Sluice does not guard (OkHttp before 3.12, say) has
   * its agent name the client in its status: the Dependencies tab says so above the list, with how
   * many agents and what Sluice guards instead, as those calls are in no agent's targets, and the
   * Agents tab marks the agent. Before, only the app's log said so, and the tab read as if every
   * call had been counted.
   */
  @Test
  void namesTheClientsSluiceDoesNotGuardOnTheDependenciesAndAgentsTabs() {
    String service = "unguarded-clients";
    storeOrdersDocumentAs(service);
    SdkAgent agent = startAgent(service);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    WebElement loaded = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> loaded.getAttribute("value").contains("drop-health"));
    click(By.id("tab-dependencies"));
    awaitText(By.cssSelector("tr[data-target='inventory:8080'] [data-test=agents]"), "1");
    assertThat(browser.findElement(By.cssSelector("[data-test=unguarded-clients]")).isDisplayed())
        .as("no agent names a client yet")
        .isFalse();

    agent.unguardedClients(
        List.of(
            new AgentStatus.UnguardedClient(
                "an OkHttp 3 client of a release before 3.12",
                "Sluice guards OkHttp 3.12 and later")));

    awaitText(
        By.cssSelector("[data-test=unguarded-client]"),
        "an OkHttp 3 client of a release before 3.12 (1 agent): Sluice guards OkHttp 3.12 and"
            + " later.");
    assertThat(browser.findElement(By.cssSelector("[data-test=unguarded-clients] p")).getText())
        .startsWith("Calls through HTTP clients Sluice")
        .contains("do not guard, made by 1 of 1 agents, pass every breaker policy");

    click(By.id("tab-agents"));
    WebElement chip =
        waitFor(
            By.cssSelector("tr[data-instance='" + service + "-1'] [data-test=unguarded-clients]"));
    assertThat(chip.getText()).isEqualTo("unguarded client");
    assertThat(chip.getAttribute("title"))
        .endsWith(
            "an OkHttp 3 client of a release before 3.12 (Sluice guards OkHttp 3.12 and later)");
  }

  /**
   * The warning about unguarded clients counts against the agents that say which clients they use:
   * an agent that does not (an app on the SDK alone, an older agent) is not one that uses none.
   */
  @Test
  void countsTheAgentsUsingUnguardedClientsAmongThoseThatSay() {
    open(WRITER_TOKEN, "/");
    Object shown =
        asyncJs(
            "const done = arguments[0]; Promise.all([import('/js/model.js'),"
                + " import('/js/dependencies-panel.js')]).then(([m, d]) => {"
                + " const jetty = [{ client: 'a Jetty HttpClient', guarded: 'Sluice guards X' }];"
                + " const views = [m.agentView({ instanceId: 'a', service: 'x',"
                + " unguardedClients: jetty }, 1), m.agentView({ instanceId: 'b', service: 'x',"
                + " unguardedClients: [] }, 1), m.agentView({ instanceId: 'c', service: 'x' }, 1)];"
                + " const deps = new d.DependenciesPanel(document.createElement('div'),"
                + " { on() {}, service: 'x', canWrite: true, agentsLoaded: true,"
                + " agents: views, agentViews: () => views });"
                + " deps.renderUnguarded();"
                + " const notice = deps.root.querySelector('[data-test=unguarded-clients]');"
                + " done([notice.hidden, notice.querySelector('p').textContent,"
                + " notice.querySelector('li').textContent].join(' | '));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(shown)
        .isEqualTo(
            "false | Calls through HTTP clients Sluice\u2019s circuit breakers do not guard, made"
                + " by 1 of the 2 agents that say which clients they use, pass every breaker"
                + " policy, an open breaker too, and are not counted in this list."
                + " | a Jetty HttpClient (1 agent): Sluice guards X.");
  }

  /**
   * A target some of whose agents run a local rules file says so under it: a policy added to the
   * document from that row does not reach them (the control plane's agentsOnRulesFile).
   */
  @Test
  void saysUnderATargetThatAgentsOnARulesFileAreNotReachedByAPolicyAddedThere() {
    open(WRITER_TOKEN, "/");
    Object shown =
        asyncJs(
            "const done = arguments[0]; import('/js/dependencies-panel.js').then((d) => {"
                + " const deps = new d.DependenciesPanel(document.createElement('div'),"
                + " { on() {}, service: 'x', canWrite: true, agentsLoaded: true,"
                + " agents: [], agentViews: () => [] });"
                + " const row = (target, agents, agentsOnRulesFile) => ({ target,"
                + " callsPerMinute: 10, agents, agentsOnRulesFile, guardedBy: [],"
                + " suggestedPolicy: { name: 'p' } });"
                + " deps.render([row('a:1', 1, 1), row('b:1', 3, 2), row('c:1', 2, 0)]);"
                + " const hint = (t) => deps.root.querySelector(`tr[data-target='${t}']"
                + " [data-test=on-rules-file]`);"
                + " done([hint('a:1').textContent, hint('b:1').textContent, hint('c:1')]"
                + ".join(' | '));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(shown)
        .isEqualTo(
            "The agent calling it runs a local rules file: a policy added here does not reach it."
                + " | 2 of the 3 agents calling it run a local rules file: a policy added here"
                + " does not reach them. | ");
  }

  @Test
  void judgesAnAgentOnTheCurrentRevisionAppliedWhateverItRejectedAsTheServerDoes() {
    open(WRITER_TOKEN, "/");
    // the control plane's rollout (Rollout.of) counts an agent that runs the current revision as
    // current before it looks at what it rejected: the Agents tab, judging without a rollout, too
    Object judged =
        asyncJs(
            "const done = arguments[0]; import('/js/model.js').then(m => done(["
                + " m.agentView({ instanceId: 'a', service: 'x', appliedRevision: 3,"
                + " rejected: { revision: 4, errors: ['$.a: bad'] } }, 3).status,"
                + " m.agentView({ instanceId: 'b', service: 'x', appliedRevision: 2,"
                + " rejected: { revision: 3, errors: ['$.a: bad'] } }, 3).status,"
                + " m.agentView({ instanceId: 'c', service: 'x', appliedRevision: 2,"
                + " rejected: { revision: 1, errors: ['$.a: bad'] } }, 3).status,"
                + " m.agentView({ instanceId: 'd', service: 'x', appliedRevision: 2,"
                + " rejected: { revision: 1 } }, null).status].join(' ')))"
                + ".catch(e => done('failed: ' + e));");
    assertThat(judged).isEqualTo("applied rejected behind applied");
  }

  @Test
  void saysATimeOverADayAgoAsItsUtcDateAndTimeLikeItsTitle() {
    open(WRITER_TOKEN, "/");
    // not the browser's local date alone: the title beside it is in UTC, to the second
    Object shown =
        js(
            "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
                + " const now = Date.parse('2026-03-05T12:00:00Z');"
                + " const t = '2026-03-02T23:30:15.250Z';"
                + " return [dom.relativeTime(t, now), dom.exactTime(t),"
                + " dom.relativeTime('2026-03-05T01:00:00Z', now)].join(' | '); });");
    assertThat(shown).isEqualTo("2026-03-02 23:30:15Z | 2026-03-02 23:30:15Z | 11 h ago");
  }

  @Test
  void countsHalfOpenBreakersHasAFaviconAndTakesTheLongestComment() {
    String service = "half-open";
    long revision = storeOrdersDocumentAs(service, 0.5);
    open(WRITER_TOKEN, "/service/" + service + "/rules");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    Object counted =
        asyncJs(
            "const done = arguments[0]; import('/js/model.js').then(m => done(m.agentView("
                + " { service: 'x', breakers: [{ state: 'HALF_OPEN' },"
                + " { state: 'CLOSED' }, { state: 'OPEN' }, { state: 'FORCED_OPEN' }] }, null)"
                + ".breakersOpen)).catch(e => done('failed: ' + e));");
    assertThat(counted).isEqualTo(3L);
    assertThat(browser.findElement(By.cssSelector(".service-head .meta")).getText())
        .containsIgnoringCase("Breakers open or half-open");

    assertThat(
            js(
                "return document.querySelector('link[rel=icon]').getAttribute('href')"
                    + " + ' ' + document.querySelector('link[rel=icon]').type"))
        .isEqualTo("favicon.svg image/svg+xml");
    HttpResponse<String> icon = api("GET", "/favicon.svg", READER_TOKEN, null, Map.of());
    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(icon.headers().firstValue("Content-Type").orElse("")).contains("svg");

    // 1000 three-byte characters, percent-encoded as the UI sends them: 9000 bytes of header
    HttpResponse<String> longComment =
        api(
            "PUT",
            "/api/v1/services/" + service + "/rules",
            WRITER_TOKEN,
            documentFor(service, 0.0),
            Map.of(
                "If-Match",
                "\"" + (revision - 1) + "\"",
                "X-Sluice-Comment",
                "%E2%82%AC".repeat(1000),
                "X-Sluice-Comment-Encoding",
                "percent"));
    assertThat(longComment.statusCode()).as(longComment.body()).isEqualTo(412);
  }

  /**
   * An agent lists at most 200 breakers, open ones first: the overview counts its open breakers
   * from its counts by state, so 233 open or half-open breakers show as 233, not 200. Agents older
   * than those counts still count by their listed breakers.
   */
  @Test
  void countsEveryOpenBreakerOfAnAgentNotOnlyTheListedOnes() throws Exception {
    List<AgentStatus.BreakerState> breakers = new ArrayList<>();
    for (int i = 0; i < 1_233; i++) {
      String state = i < 230 ? "OPEN" : i < 233 ? "HALF_OPEN" : "CLOSED";
      breakers.add(
          new AgentStatus.BreakerState(
              "tenants",
              String.format(Locale.ROOT, "tenant-%04d.example.com:443", i),
              state,
              0,
              0,
              false));
    }
    Path state = Files.createDirectories(agentState.resolve("tenant-gateway"));
    By open = By.cssSelector("tr[data-service='tenant-gateway'] [data-test=breakers-open]");
    open(WRITER_TOKEN, "/");
    try (SdkAgent tenants =
        new SdkAgent(
            etcd.endpoint(),
            "tenant-gateway",
            "tenant-gateway-1",
            "gateway-host-1",
            state,
            breakers,
            List.of())) {
      tenants.start();
      awaitText(open, "233");
      assertThat(browser.findElement(open).getAttribute("class")).contains("bad");
      HttpResponse<String> agents =
          api("GET", "/api/v1/agents?service=tenant-gateway", READER_TOKEN, null, Map.of());
      JsonNode reported = new ObjectMapper().readTree(agents.body()).get(0);
      assertThat(reported.get("breakers").size()).as("the agent lists 200").isEqualTo(200);
      assertThat(reported.get("breakersOmitted").asInt()).isEqualTo(1_033);
    }
    await()
        .atMost(BOUND)
        .alias("the closed agent's service leaves the overview")
        .until(() -> browser.findElements(open).isEmpty());

    // an agent's own count (its Agents tab row): by state where it counts them, else listed
    Object counted =
        asyncJs(
            "const done = arguments[0]; import('/js/model.js').then(m => {"
                + " const counted = { service: 'x', breakers: [{ state: 'OPEN' }],"
                + " breakersOmitted: 999, breakersByState: { OPEN: 230, HALF_OPEN: 3,"
                + " FORCED_OPEN: 1, CLOSED: 766 } };"
                + " const older = { service: 'x', breakers: [{ state: 'OPEN' },"
                + " { state: 'CLOSED' }] };"
                + " done([m.agentView(counted, null).breakersOpen,"
                + " m.agentView(older, null).breakersOpen].join(' '));"
                + " }).catch(e => done('failed: ' + e));");
    assertThat(counted).isEqualTo("234 1");
  }

  /**
   * A page left for another is kept in the browser's back-forward cache: its event stream must not
   * stay open with it, or after six such visits every request of the tab waits for a connection
   * (the browser opens six per host under HTTP/1.1) and the UI stalls for seconds. Seven times the
   * app is left for a fresh load of itself and then gone back to from the cache (each visit stays
   * cached in turn): the control plane never serves more than the showing page's stream, and the
   * page back from the cache is live again, showing what changed while it was away and the changes
   * after.
   */
  @Test
  void aPageInTheBackForwardCacheHoldsNoEventStream() {
    String service = "back-forward";
    storeOrdersDocumentAs(service);
    openAfresh(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    awaitOneEventStream();
    By revision = By.cssSelector("tr[data-service='" + service + "'] [data-test=revision]");
    for (int visit = 1; visit <= 7; visit++) {
      js(
          "window.__restored = false;"
              + " window.addEventListener('pageshow', e => { window.__restored = e.persisted; });");
      browser.get(baseUrl() + "/?visit=" + visit + "#/");
      awaitText(By.id("live"), "Live");
      awaitOneEventStream();
      long changedAway = storeOrdersDocumentAs(service, visit / 10.0);
      browser.navigate().back();
      await("the page is back from the back-forward cache after visit " + visit)
          .atMost(BOUND)
          .until(() -> Boolean.TRUE.equals(js("return window.__restored === true")));
      awaitText(By.id("live"), "Live");
      awaitText(revision, String.valueOf(changedAway));
      awaitOneEventStream();
    }
    // live again: a change arrives as an event, well before a stalled request would (~20 s)
    long eventRefreshes = overviewEventRefreshes();
    long changed = storeOrdersDocumentAs(service, 0.9);
    await("revision " + changed + " shown after a change event")
        .atMost(Duration.ofSeconds(8))
        .ignoreExceptions()
        .until(
            () ->
                overviewEventRefreshes() > eventRefreshes
                    && browser.findElement(revision).getText().equals(String.valueOf(changed)));
  }

  /**
   * A page hidden (pagehide) closes its event stream, and says so: its live indicator does not stay
   * "Live" for a page that hears no change events; shown again from the back-forward cache it is
   * live again.
   */
  @Test
  void aHiddenPageIsNotLiveUntilShownAgain() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    js("window.dispatchEvent(new Event('pagehide'))");
    assertThat(browser.findElement(By.id("live")).getAttribute("data-state")).isEqualTo("stopped");
    assertThat(browser.findElement(By.id("live")).getText()).isEqualTo("Not live");
    js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    await("live again once shown")
        .atMost(BOUND)
        .until(() -> browser.findElement(By.id("live")).getAttribute("data-state"), "live"::equals);
    awaitText(By.id("live"), "Live");
  }

  /**
   * A page hidden while its event stream's answer is on its way stays not live: the answer, come
   * after, neither marks it live nor keeps a stream open.
   */
  @Test
  void aHiddenPageStaysNotLiveWhenItsStreamIsAnsweredAfter() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    // the events request is answered only when the test says (a real stream, its abort ignored)
    js(
        "const unheld = window.fetch; window.__events = { unheld, release: null };"
            + " window.fetch = (...a) => /api\\/v1\\/events/.test(String(a[0]))"
            + " ? new Promise(resolve => { const answer = unheld(a[0], { ...a[1],"
            + " signal: undefined });"
            + " window.__events.release = () => resolve(answer); })"
            + " : unheld(...a);");
    try {
      js("window.dispatchEvent(new Event('pagehide'))");
      js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
      await("the page asks for a new event stream")
          .atMost(BOUND)
          .until(() -> Boolean.TRUE.equals(js("return window.__events.release !== null")));
      js("window.dispatchEvent(new Event('pagehide'))");
      assertThat(browser.findElement(By.id("live")).getAttribute("data-state"))
          .isEqualTo("stopped");
      js("window.__events.release()");
      await("the hidden page stays not live")
          .failFast(
              "the hidden page went live",
              () -> "live".equals(browser.findElement(By.id("live")).getAttribute("data-state")))
          .during(Duration.ofSeconds(1))
          .atMost(QUIET_WITHIN)
          .until(
              () -> browser.findElement(By.id("live")).getAttribute("data-state"),
              "stopped"::equals);
      await("no event stream kept open by the hidden page")
          .atMost(Duration.ofSeconds(8))
          .until(() -> OpenEventStreams.in(controlPlane), n -> n == 0);
    } finally {
      js("window.fetch = window.__events.unheld;");
      js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    }
    await("live again once shown")
        .atMost(BOUND)
        .until(() -> browser.findElement(By.id("live")).getAttribute("data-state"), "live"::equals);
  }

  /**
   * A stream stopped and started again while it waits to reconnect (a page hidden and shown within
   * the retry delay) asks for one stream: the reconnect the attempt before had set was left to run,
   * and opened a second stream beside the new one, each handing the page every event. The page's
   * fetch fails the first request of a stream of the test's own, which then waits to reconnect.
   */
  @Test
  void aStreamStartedAgainWhileWaitingToReconnectAsksForOneStream() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    Object asked =
        js(
            "return import(new URL('js/api.js', document.baseURI))"
                + ".then(api => new Promise(done => {"
                // the page's own stream asks for 'api/v1/events': the test's is told apart
                + " const path = './api/v1/events'; const unheld = window.fetch; let asked = 0;"
                + " window.fetch = (...a) => { if (a[0] !== path) return unheld(...a); asked++;"
                + "   return asked === 1 ? Promise.reject(new TypeError('network away'))"
                + "     : unheld(...a); };"
                + " let reconnecting;"
                + " const waiting = new Promise(r => { reconnecting = r; });"
                + " const stream = new api.EventStream(path, () => {},"
                + "   (s) => { if (s === 'reconnecting') reconnecting(); }, api.session.token());"
                + " stream.start();"
                // once the reconnect is set (500 ms), stopped and started again; a timer set after
                // it, for longer, runs after it
                + " waiting.then(() => { stream.stop(); stream.start();"
                + "   setTimeout(() => {"
                + "     stream.stop(); window.fetch = unheld; done(asked); }, 1000);"
                + " }); }));");
    assertThat(((Number) asked).intValue())
        .as("requests for the stream: the one that failed, and the one of the start after")
        .isEqualTo(2);
  }

  /**
   * A stream that goes silent (a connection a network dropped without a word: no keep-alive, no
   * end) is taken for dead after three keep-alive periods (at least 10 s), and reconnects: the page
   * says "reconnecting", then "live" again. Before, it stayed "Live" hearing nothing for as long as
   * the connection lingered. The page's fetch answers the test stream's first request with the
   * control plane's headers and a body that never speaks.
   */
  @Test
  void aSilentStreamIsTakenForDeadAndReconnects() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    js(
        "return import(new URL('js/api.js', document.baseURI)).then(api => {"
            + " const path = './api/v1/events'; const unheld = window.__unheld = window.fetch;"
            + " const seen = window.__seen = { asked: 0, states: [], keepAlive: null };"
            + " window.fetch = (...a) => { if (a[0] !== path) return unheld(...a);"
            + "   seen.asked++;"
            + "   if (seen.asked > 1) return unheld(...a);"
            + "   return unheld(...a).then(r => {"
            + "     seen.keepAlive = r.headers.get('X-Sluice-Keep-Alive'); r.body.cancel();"
            + "     return new Response(new ReadableStream({}),"
            + "       { status: 200, headers: r.headers }); }); };"
            + " window.__stream = new api.EventStream(path, () => {},"
            + "   (state) => seen.states.push(state), api.session.token());"
            + " window.__stream.start(); });");
    try {
      await("the silent stream taken for dead, and a new one live")
          .atMost(Duration.ofSeconds(40))
          .until(
              () -> String.valueOf(js("return window.__seen.states.join(' ');")),
              "live reconnecting live"::equals);
      assertThat(js("return window.__seen.asked;")).isEqualTo(2L);
      assertThat(js("return window.__seen.keepAlive;"))
          .as("the control plane's keep-alive period, which the test sets to 250 ms")
          .isEqualTo("250");
    } finally {
      js("window.__stream.stop(); window.fetch = window.__unheld;");
    }
  }

  /**
   * A stream refused for the tab's token lets the refusal go: its answer, not read, was left
   * holding the connection until the page's garbage was collected. The test's stream asks with a
   * token the control plane does not know, as after its restart with other tokens, and the page
   * signs out.
   */
  @Test
  void aStreamRefusedForTheTabsTokenLetsItsAnswerGo() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    js(
        "return import(new URL('js/api.js', document.baseURI)).then(api => {"
            + " const path = './api/v1/events'; const unheld = window.__unheld = window.fetch;"
            + " window.__refused = null;"
            + " window.fetch = (...a) => a[0] !== path ? unheld(...a)"
            + "   : unheld(a[0], { ...a[1], headers: { ...a[1].headers,"
            + "       Authorization: 'Bearer a-token-the-control-plane-does-not-know' } })"
            + "     .then(r => { window.__refused = r; return r; });"
            + " window.__stream ="
            + "   new api.EventStream(path, () => {}, () => {}, api.session.token());"
            + " window.__stream.start(); });");
    try {
      waitFor(By.id("token"));
      await("the test's stream refused")
          .atMost(BOUND)
          .until(
              () ->
                  Boolean.TRUE.equals(
                      js("return window.__refused !== null && window.__stream.stopped")));
      assertThat(js("return window.__refused.status")).isEqualTo(401L);
      assertThat(js("return window.__refused.bodyUsed"))
          .as("the refusal's body let go (cancelled)")
          .isEqualTo(true);
    } finally {
      js("window.fetch = window.__unheld;");
    }
  }

  /**
   * A stream the control plane refuses for serving as many as it may (503, with Retry-After) lets
   * the refusal go, as one refused for the tab's token does: its answer, not read, would hold the
   * connection until the page's garbage was collected. The test's control plane serves one stream,
   * the page's own; the test's stream is the one too many, and waits to try again.
   */
  @Test
  void aStreamRefusedForTooManyStreamsLetsItsAnswerGo() {
    try (OwnControlPlane own = ownWriterControlPlane("--sluice.events.max-clients=1")) {
      signInLive(own, "/#/");
      Map<String, Object> answer = testStreamAnswer(null, null);
      assertThat(answer.get("status")).isEqualTo(503L);
      assertThat(answer.get("bodyUsed"))
          .as("the refusal's body let go (cancelled)")
          .isEqualTo(true);
      assertThat(answer.get("reconnects")).as("the stream waits to try again").isEqualTo(true);
    }
  }

  /**
   * A stream refused for a token the tab has replaced meanwhile (a sign-in in another page of the
   * tab as the answer came) lets the refusal go, and tries again for the tab's new token rather
   * than sign the page out: its answer, not read, would hold the connection until the page's
   * garbage was collected.
   */
  @Test
  void aStreamRefusedForATokenTheTabReplacedLetsItsAnswerGo() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    Map<String, Object> answer =
        testStreamAnswer("a-token-the-control-plane-does-not-know", OTHER_WRITER_TOKEN);
    assertThat(answer.get("status")).isEqualTo(401L);
    assertThat(answer.get("bodyUsed")).as("the refusal's body let go (cancelled)").isEqualTo(true);
    assertThat(answer.get("reconnects")).as("the stream waits to try again").isEqualTo(true);
  }

  /**
   * Opens an event stream of the test's own beside the page's, with {@code credential} in place of
   * the tab's token (null: the tab's), and, once it is answered, {@code tabTokenOnAnswer} as the
   * tab's token (null: unchanged) until the stream has dealt with the answer, a task later. Returns
   * the answer's {@code status}, whether its body was used ({@code bodyUsed}: read or let go) and
   * whether the stream waits to try again ({@code reconnects}); the stream is stopped then.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> testStreamAnswer(String credential, String tabTokenOnAnswer) {
    return (Map<String, Object>)
        js(
            "const [credential, tabTokenOnAnswer] = arguments;"
                + " return import(new URL('js/api.js', document.baseURI))"
                + " .then((api) => new Promise((done) => {"
                + "   const path = './api/v1/events'; const unheld = window.fetch;"
                + "   const tabToken = api.session.token();"
                + "   const stream = new api.EventStream(path, () => {}, () => {}, tabToken);"
                + "   window.fetch = (input, init) => {"
                + "     if (input !== path) return unheld(input, init);"
                + "     window.fetch = unheld;"
                + "     const headers = !credential ? init.headers"
                + "       : { ...init.headers, Authorization: `Bearer ${credential}` };"
                + "     return unheld(input, { ...init, headers }).then((answer) => {"
                + "       if (tabTokenOnAnswer) sessionStorage.setItem('sluice.token',"
                + " tabTokenOnAnswer);"
                + "       setTimeout(() => {"
                + "         const reconnects = !stream.stopped && stream.retry !== 0;"
                + "         stream.stop();"
                + "         if (tabTokenOnAnswer) sessionStorage.setItem('sluice.token', tabToken);"
                + "         done({ status: answer.status, bodyUsed: answer.bodyUsed, reconnects });"
                + "       });"
                + "       return answer; }); };"
                + "   stream.start(); }));",
            credential,
            tabTokenOnAnswer);
  }

  /**
   * A handler that stops the stream (the page closed by what an event made it do) hears no more of
   * it: the events that came in the same chunk as the one it stopped on were still handed to it.
   * The test's stream is answered with two events in one chunk.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aStreamStoppedByItsHandlerHandsOnNothingMoreOfTheChunk() {
    open(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    List<String> heard =
        (List<String>)
            js(
                "return import(new URL('js/api.js', document.baseURI))"
                    + ".then(api => new Promise(done => {"
                    + " const path = './api/v1/events'; const unheld = window.fetch;"
                    + " const chunk = 'event: rules\\ndata: {\"n\": 1}\\n\\n'"
                    + "   + 'event: rules\\ndata: {\"n\": 2}\\n\\n';"
                    + " window.fetch = (...a) => a[0] !== path ? unheld(...a)"
                    + "   : Promise.resolve(new Response(new ReadableStream({ start(c) {"
                    + "       c.enqueue(new TextEncoder().encode(chunk)); } }),"
                    + "     { headers: { 'Content-Type': 'text/event-stream' } }));"
                    + " const heard = [];"
                    + " const stream = new api.EventStream(path, (e) => {"
                    + "   heard.push(e.data ? `${e.event} ${e.data.n}` : e.event);"
                    // what the chunk held is handed on in this very task: the next one sees it all
                    + "   if (e.event === 'rules') { stream.stop();"
                    + "     setTimeout(() => { window.fetch = unheld; done(heard); }); }"
                    + " }, () => {}, api.session.token());"
                    + " stream.start(); }));");
    assertThat(heard).containsExactly("reconnected", "rules 1");
  }

  /**
   * Another page of the tab shares its sign-in: signed out there, a page back from the back-forward
   * cache asks to sign in and opens no event stream; a token no longer accepted by then signs it
   * out too, with the reason.
   */
  @Test
  void aPageBackFromTheCacheFollowsASessionEndedMeanwhile() {
    openAfresh(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    awaitOneEventStream();
    leaveForAFreshLoadAndComeBack(() -> click(By.id("sign-out")));
    waitFor(By.id("token"));
    assertThat(browser.findElement(By.id("sign-out")).isDisplayed()).isFalse();
    await("no event stream open once signed out")
        .atMost(Duration.ofSeconds(8))
        .until(() -> OpenEventStreams.in(controlPlane), n -> n == 0);

    openAfresh(WRITER_TOKEN, "/");
    awaitText(By.id("live"), "Live");
    // the page elsewhere sends nothing more: a read of its own (on an agent's report) would find
    // the token refused first, and sign the tab out before the page back from the cache asks
    leaveForAFreshLoadAndComeBack(
        () ->
            js(
                "window.fetch = () => new Promise(() => {});"
                    + " sessionStorage.setItem('sluice.token',"
                    + " 'a-token-the-control-plane-no-longer-has');"));
    awaitText(By.id("sign-in-error"), "not accepted");
    await("no event stream open once signed out")
        .atMost(Duration.ofSeconds(8))
        .until(() -> OpenEventStreams.in(controlPlane), n -> n == 0);
  }

  /**
   * The control plane restarts with other tokens, and the event stream's next request is refused
   * (401): for the tab's token, the page signs out with the reason, as after any other refused
   * call, and its stream asks no more; for a token the tab has replaced meanwhile (a sign-in in
   * another page of the tab), the page does not sign out but is drawn anew for the new token's
   * user, whose stream carries on. The page's other calls are held (never answered) while it
   * matters, so only the stream can tell.
   */
  @Test
  void aStreamRefusedForTheTabsTokenSignsOutButNotForATokenReplacedMeanwhile() throws Exception {
    try (OwnControlPlane own = ownWriterControlPlane()) {
      signInLive(own, "/#/");
      holdApiCallsButTheEventStream();

      // restarted with bob's token only: alice's stream asks again, and is answered only after
      // another page of the tab signed in as bob
      HeldRequests held = HeldRequests.holding(EVENTS);
      own.restart(held, "bob", OTHER_WRITER_TOKEN, "writer");
      await("the stream asks the restarted control plane")
          .atMost(BOUND)
          .until(held::waiting, n -> n > 0);
      js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN);
      // drawn anew for bob, the page asks who he is
      js("window.fetch = window.__unheld;");
      held.release();
      await("the stream asks again, with bob's token")
          .atMost(BOUND)
          .until(held::tokens, tokens -> tokens.contains(OTHER_WRITER_TOKEN));
      assertThat(held.tokens().get(0)).isEqualTo(WRITER_TOKEN);
      awaitText(By.cssSelector("#who .who-name"), "bob");
      awaitText(By.id("live"), "Live");
      assertThat(browser.findElements(By.id("token"))).isEmpty();
      holdApiCallsButTheEventStream();

      // restarted with alice's token only: bob's, the tab's, is refused
      HeldRequests asked = HeldRequests.recording(EVENTS);
      own.restart(asked, "alice", WRITER_TOKEN, "writer");
      waitFor(By.id("token"));
      awaitText(By.id("toast"), "the token is no longer accepted");
      // no edits to keep: the toast alone says it, the form has no note
      assertThat(liveRegionsSaying("the token is no longer accepted")).isEqualTo(1);
      assertThat(browser.findElement(By.id("live")).isDisplayed()).isFalse();
      await("the stream asks no more after its refusal")
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(asked::tokens, tokens -> tokens.equals(List.of(OTHER_WRITER_TOKEN)));
    }
  }

  /**
   * The role of the page's token changes while the page is in the back-forward cache (the control
   * plane restarted with the same token as a reader's), and the page is left again while it asks
   * whoami on its way back: shown once more, it draws the reader's page, with no edit controls.
   */
  @Test
  void aRoleChangedWhileThePageWasAwayIsDrawnWhenItIsShownAgain() throws Exception {
    String service = "role-while-away";
    storeOrdersDocumentAs(service);
    try (OwnControlPlane own =
        OwnControlPlane.start(HeldRequests.recording(WHOAMI), "carol", WRITER_TOKEN, "writer")) {
      signInLive(own, "/#/service/" + service + "/rules");
      waitFor(By.cssSelector("[data-test=review]"));

      HeldRequests whoami = HeldRequests.holding(WHOAMI);
      leaveAndComeBack(
          () -> {
            own.restart(whoami, "carol", WRITER_TOKEN, "reader");
          });
      await("the page back asks who it is").atMost(BOUND).until(whoami::waiting, n -> n > 0);
      // left again before the answer, which comes while the page is away
      leaveAndComeBack(whoami::release);

      awaitRole("reader");
      WebElement editor = waitFor(By.id("rules-editor"));
      await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
      assertThat(editor.getAttribute("readonly")).isNotNull();
      waitFor(By.cssSelector("[data-test=read-only]"));
      assertThat(browser.findElements(By.cssSelector("[data-test=review]"))).isEmpty();
      awaitText(By.id("live"), "Live");
    }
  }

  /**
   * A writer's page with unsaved edits (text and comment) is drawn anew for a reader's role while
   * it was in the back-forward cache: the edits are kept as a draft, which the reader's page says
   * it keeps, which its sign-out keeps, and which comes back into the editor with the next sign-in
   * that may write. Then the control plane restarts with another token only, and the event stream's
   * 401 (the page's first refused request) signs out with the edits kept for the next sign-in.
   */
  @Test
  void unsavedEditsOutliveTheRedrawForANewRoleAndTheStreamsRefusal() throws Exception {
    String service = "edits-across-roles";
    long revision = storeOrdersDocumentAs(service);
    try (OwnControlPlane own =
        OwnControlPlane.start(HeldRequests.recording(WHOAMI), "carol", WRITER_TOKEN, "writer")) {
      // signed in without a click or a key: a page the user never touched may be left without
      // the browser's "leave site?" prompt, edits or not
      browser.get(own.url("/"));
      js(
          "sessionStorage.setItem('sluice.token', arguments[0]);"
              + " history.replaceState(null, '', arguments[1]);",
          WRITER_TOKEN,
          "#/service/" + service + "/rules");
      browser.navigate().refresh();
      awaitRole("writer");
      WebElement editor = editTheDefaultRatio();
      js(
          "const c = document.getElementById('change-comment'); c.value = arguments[0];"
              + " c.dispatchEvent(new Event('input', {bubbles: true}));",
          "quieter health checks");
      assertThat(beforeUnloadIsRefused()).isTrue();

      // drawn anew for a reader: the edits are kept, and the page says so
      leaveAndComeBack(() -> own.restartAs("carol", WRITER_TOKEN, "reader"));
      awaitRole("reader");
      awaitText(
          By.cssSelector("[data-test=draft-kept]"),
          "Your unsaved edits to these rules from before your role changed are kept as a draft");
      WebElement readOnly = waitFor(By.id("rules-editor"));
      await().atMost(BOUND).until(() -> readOnly.getAttribute("value").contains("drop-health"));
      assertThat(readOnly.getAttribute("value")).contains("\"defaultRatio\": 0.1");
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNotNull();

      // signing out keeps the draft the page said it keeps; a sign-in that may write gets it back
      click(By.id("sign-out"));
      waitFor(By.id("token"));
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNotNull();
      own.restartAs("carol", WRITER_TOKEN, "writer");
      signIn(WRITER_TOKEN);
      awaitRole("writer");
      awaitText(
          By.cssSelector("[data-test=draft-restored]"),
          "Your unsaved edits from before your role changed are back in the editor (they started"
              + " from revision "
              + revision);
      WebElement restored = waitFor(By.id("rules-editor"));
      assertThat(restored.getAttribute("value")).contains("\"defaultRatio\": 0.4");
      assertThat(browser.findElement(By.id("change-comment")).getAttribute("value"))
          .isEqualTo("quieter health checks");
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNull();
      awaitText(By.id("live"), "Live");

      // restarted with bob's token only: the stream is refused first, and the edits are kept,
      // for carol: bob, signing in next, does not get them
      holdApiCallsButTheEventStream();
      own.restartAs("bob", OTHER_WRITER_TOKEN, "writer");
      awaitText(By.id("sign-in-error"), "unsaved edits to the rules of " + service + " are kept");
      // the form says that the session ended, and is read out once: no toast says it again
      awaitText(By.id("sign-in-error"), "Your session ended: the token is no longer accepted.");
      assertThat(liveRegionsSaying("Your session ended")).isEqualTo(1);
      js("window.fetch = window.__unheld;");
      signIn(OTHER_WRITER_TOKEN);
      awaitRole("writer");
      WebElement bobs = waitFor(By.id("rules-editor"));
      await().atMost(BOUND).until(() -> bobs.getAttribute("value").contains("drop-health"));
      assertThat(bobs.getAttribute("value")).contains("\"defaultRatio\": 0.1");
      assertThat(browser.findElements(By.cssSelector("[data-test=draft-restored]"))).isEmpty();
      assertThat(beforeUnloadIsRefused()).isFalse();
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("token:carol")
          .contains("quieter health checks");
      js("sessionStorage.removeItem('sluice.drafts');");
    }
  }

  /**
   * A page reading without a token (open reads) whose control plane restarts with reads needing
   * one: its event stream's 401 shows the sign-in form with the reason, and the stream asks no
   * more, rather than reconnecting forever. The page's other API calls are held, so only the stream
   * can tell.
   */
  @Test
  void aStreamRefusedToAPageReadingWithoutATokenAsksToSignIn() throws Exception {
    try (OwnControlPlane own = ownWriterControlPlane("--sluice.security.open-reads=true")) {
      browser.get(own.url("/#/"));
      click(By.cssSelector("[data-test=read-without-token]"));
      awaitRole("reader");
      awaitText(By.id("live"), "Live");
      holdApiCallsButTheEventStream();

      HeldRequests asked = HeldRequests.recording(EVENTS);
      own.restart(asked, "alice", WRITER_TOKEN, "writer");
      awaitText(By.id("sign-in-error"), "no longer answers reads without a token");
      // the form's note says it, read out once: no toast says it again
      assertThat(liveRegionsSaying("without a token")).isEqualTo(1);
      assertThat(browser.findElement(By.id("live")).isDisplayed()).isFalse();
      assertThat(browser.findElements(By.cssSelector("[data-test=role]"))).isEmpty();
      await("the stream asks no more after its refusal")
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(asked::tokens, tokens -> tokens.equals(List.of("none")));
    }
  }

  /**
   * Another page of the tab signed out while a writer's page holds unsaved edits, and reads need a
   * token: the page's next request goes without one and is refused (its event stream's, as the
   * control plane restarts). That is the tab's sign-out, not reading without a token refused: the
   * page follows the tab to the sign-in form, says so, and keeps the edits for the writer's next
   * sign-in. The page's other calls are held, so only the stream can tell.
   */
  @Test
  void aPageWhoseTabSignedOutElsewhereKeepsItsEditsWhenRefusedWithoutAToken() throws Exception {
    String service = "signed-out-elsewhere";
    long revision = storeOrdersDocumentAs(service);
    try (OwnControlPlane own = ownWriterControlPlane()) {
      signInLive(own, "/#/service/" + service + "/rules");
      WebElement editor = editTheDefaultRatio();
      holdApiCallsButTheEventStream();

      js("sessionStorage.removeItem('sluice.token');");
      own.restartAs("alice", WRITER_TOKEN, "writer");
      awaitText(By.id("sign-in-error"), "unsaved edits to the rules of " + service + " are kept");
      awaitText(By.id("sign-in-error"), "Signed out in another page of this tab.");
      assertThat(liveRegionsSaying("Signed out in another page of this tab")).isEqualTo(1);
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("token:alice");

      js("window.fetch = window.__unheld;");
      signIn(WRITER_TOKEN);
      awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
      assertThat(waitFor(By.id("rules-editor")).getAttribute("value"))
          .contains("\"defaultRatio\": 0.4");
      discardEdits();
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer with unsaved edits clicks Sign out, and while its "leave without saving?" dialog is
   * open the page is drawn anew for the tab's session (another page of the tab signed in as bob,
   * and the event stream is answered for his token), which keeps the edits as alice's draft. The
   * dialog asked about alice's page: it closes as a no. Left open, its yes signed bob out, whose
   * sign-in it never asked about, and dropped alice's kept edits.
   */
  @Test
  void aSignOutAskedAboutAPageDrawnAnewForAnotherSessionClosesAsANo() throws Exception {
    String service = "sign-out-while-redrawn";
    long revision = storeOrdersDocumentAs(service);
    try (OwnControlPlane own = ownWriterControlPlane()) {
      signInLive(own, "/#/service/" + service + "/rules");
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
      WebElement editor = editTheDefaultRatio();

      click(By.id("sign-out"));
      waitFor(By.cssSelector("dialog [data-test=confirm]"));
      js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN);
      own.restartAs("bob", OTHER_WRITER_TOKEN, "writer");
      awaitText(By.cssSelector("#who .who-name"), "bob");
      await("the dialog closes")
          .atMost(BOUND)
          .until(() -> browser.findElements(By.cssSelector("dialog")).isEmpty());
      assertThat(js("return sessionStorage.getItem('sluice.token');"))
          .isEqualTo(OTHER_WRITER_TOKEN);
      awaitRole("writer");
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("token:alice");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Alice asks to delete a service's rules, and while the dialog is open the page is drawn anew for
   * the tab's new session (bob signed in in another page of the tab): the dialog asked about
   * alice's page, so it closes as a no, and nothing is deleted under bob's sign-in.
   */
  @Test
  void aConfirmDialogClosesWhenThePageItAskedAboutIsDrawnAnew() {
    String service = "confirm-before-redraw";
    long revision = storeOrdersDocumentAs(service);
    openEditorOf(service, revision);
    click(By.cssSelector("[data-test=delete-rules]"));
    waitFor(By.cssSelector("dialog [data-test=confirm]"));
    leaveAndComeBack(
        () -> js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN));
    awaitText(By.cssSelector("#who .who-name"), "bob");
    await("the dialog closes")
        .atMost(BOUND)
        .until(() -> browser.findElements(By.cssSelector("dialog")).isEmpty());
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
    assertThat(
            api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())
                .statusCode())
        .isEqualTo(200);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Two confirm dialogs in the page at once (one asking while another is open) are each named by
   * their own title: every dialog's title had the id "dialog-title", and the second dialog was
   * named by the first one's.
   */
  @Test
  void twoConfirmDialogsOpenAtOnceAreEachNamedByTheirOwnTitle() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
            + " dom.confirmDialog({ title: 'First question?', message: 'One.',"
            + "   confirmLabel: 'Yes' });"
            + " dom.confirmDialog({ title: 'Second question?', message: 'Two.',"
            + "   confirmLabel: 'Yes' });"
            + " });");
    List<WebElement> dialogs = browser.findElements(By.cssSelector("dialog.dialog"));
    assertThat(dialogs).hasSize(2);
    // the one on top is the one a screen reader names now; the one under it is inert meanwhile
    assertThat(dialogs.get(1).getAccessibleName()).isEqualTo("Second question?");
    assertThat(
            js(
                "return [...document.querySelectorAll('dialog.dialog')].map(d =>"
                    + " d.querySelector('h2')"
                    + "   === document.getElementById(d.getAttribute('aria-labelledby')));"))
        .as("each dialog labelled by its own title")
        .isEqualTo(List.of(true, true));
    for (int open = 2; open > 0; open--) {
      browser
          .findElements(By.cssSelector("dialog.dialog [data-test=cancel]"))
          .get(open - 1)
          .click();
    }
    assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
  }

  /**
   * Bob signs in in another page of the tab while alice's page is open: alice's page sends none of
   * its calls with bob's token (they would act as bob on a page drawn for alice), but follows the
   * tab's session and is drawn anew for bob, whose page's calls carry his token.
   */
  @Test
  void aPagesCallsCarryTheTokenOfTheSessionItIsDrawnFor() {
    String service = "page-token";
    long revision = storeOrdersDocumentAs(service);
    openEditorOf(service, revision);
    awaitText(By.cssSelector("#who .who-name"), "alice");
    // each API call's token, with the user the page showed as it went (the stream has its own
    // test)
    js(
        "const unheld = window.fetch; window.__sent = [];"
            + " window.fetch = (input, init = {}) => {"
            + "   const auth = (init.headers || {}).Authorization || 'none';"
            + "   const who = document.querySelector('#who .who-name');"
            + "   const url = String(input);"
            + "   if (url.startsWith('api/') && !url.includes('events') && !url.includes('whoami'))"
            + "     window.__sent.push((who ? who.textContent : '-') + ' ' + auth);"
            + "   return unheld(input, init);"
            + " };");
    setTheTabsTokenAndClick(OTHER_WRITER_TOKEN, By.id("tab-history"));
    awaitText(By.cssSelector("#who .who-name"), "bob");
    click(By.id("tab-history"));
    await("bob's page reads the history")
        .atMost(BOUND)
        .until(
            () -> js("return window.__sent.join('\\n')"), sent -> ((String) sent).contains("bob"));
    @SuppressWarnings("unchecked")
    List<String> sent = (List<String>) js("return window.__sent");
    assertThat(sent)
        .allSatisfy(
            call ->
                assertThat(call)
                    .isIn("alice Bearer " + WRITER_TOKEN, "bob Bearer " + OTHER_WRITER_TOKEN));
    js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer's save is not sent because the tab's session changed under the page: another page of
   * the tab signed in as bob, later signed out. Each time the page drawn anew says, through a live
   * region and once, that the save was not sent and why, and that the edits are kept as a draft;
   * they are: nothing is stored, and the writer's next sign-in gets them back in the editor.
   */
  @Test
  void aSaveNotSentForASessionChangedElsewhereSaysSoAndKeepsTheEdits() {
    String service = "save-not-sent";
    long revision = storeOrdersDocumentAs(service);
    String edited = documentFor(service, 0.2);
    WebElement editor = openEditorOf(service, revision);
    type(editor, edited);
    waitFor(By.id("change-comment")).sendKeys("never sent");
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));

    setTheTabsTokenAndClick(OTHER_WRITER_TOKEN, By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("#who .who-name"), "bob");
    awaitText(
        By.id("toast"),
        "Your save of the rules of "
            + service
            + " was not sent: this tab was signed in again in another page meanwhile.");
    assertThat(browser.findElement(By.id("toast")).getText())
        .contains("Your unsaved edits to the rules of " + service + " are kept in this tab");
    assertThat(liveRegionsSaying("was not sent")).isEqualTo(1);
    assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
        .contains("token:alice")
        .contains("never sent");
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(revision);

    // alice signs in again in the other page: her page gets the edits back, and saves no more. The
    // page notices the new session at the History tab's read; drawn anew for alice, it goes to the
    // Rules tab, where her edits are back.
    setTheTabsTokenAndClick(WRITER_TOKEN, By.id("tab-history"));
    awaitText(By.cssSelector("#who .who-name"), "alice");
    click(By.id("tab-rules"));
    awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
    WebElement restored = waitFor(By.id("rules-editor"));
    assertThat(restored.getAttribute("value")).isEqualTo(edited);
    click(By.cssSelector("[data-test=review]"));
    setTheTabsTokenAndClick(null, By.cssSelector("[data-test=save]"));
    awaitText(
        By.id("sign-in-error"),
        "Your save of the rules of "
            + service
            + " was not sent: this tab was signed out in another page meanwhile. Your unsaved"
            + " edits to the rules of "
            + service
            + " are kept in this tab");
    assertThat(announced("status")).contains("signed out in another page meanwhile");
    assertThat(liveRegionsSaying("signed out in another page meanwhile")).isEqualTo(1);
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(revision);

    signIn(WRITER_TOKEN);
    awaitText(By.cssSelector("[data-test=draft-restored]"), "started from revision " + revision);
    assertThat(waitFor(By.id("rules-editor")).getAttribute("value")).isEqualTo(edited);
    assertThat(browser.findElement(By.id("change-comment")).getAttribute("value"))
        .isEqualTo("never sent");
    discardEdits();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer's save is not sent because another page of the tab signed in with a token the control
   * plane refuses: the sign-in form says, once, that the save was not sent, that the token was not
   * accepted and that the edits are kept; no toast says it again in other words.
   */
  @Test
  void aSaveNotSentForARefusedSignInElsewhereIsToldOnceOnTheSignInForm() {
    String service = "save-not-sent-refused";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    type(editor, documentFor(service, 0.2));
    awaitText(By.id("editor-status"), "No problems found.");
    click(By.cssSelector("[data-test=review]"));
    setTheTabsTokenAndClick(
        "a-token-the-control-plane-never-had", By.cssSelector("[data-test=save]"));
    awaitText(
        By.id("sign-in-error"),
        "Your save of the rules of "
            + service
            + " was not sent: this tab was signed in again in another page meanwhile. That token"
            + " was not accepted. Your unsaved edits to the rules of "
            + service
            + " are kept in this tab: sign in again to get them back.");
    assertThat(liveRegionsSaying("kept")).isEqualTo(1);
    assertThat(liveRegionsSaying("was not sent")).isEqualTo(1);
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(revision);
    js("sessionStorage.removeItem('sluice.drafts');");
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer's save is not sent because another page of the tab signed in as the same user with a
   * token that may only read now: the reader's page drawn anew says that the edits are kept as a
   * draft for a sign-in that may write, and the toast only that the save was not sent, so that
   * "kept" is read out once, in the words true for a reader.
   */
  @Test
  void aSaveNotSentForASignInElsewhereThatMayOnlyReadSaysOnceThatTheEditsAreKept()
      throws Exception {
    String service = "save-not-sent-reader";
    long revision = storeOrdersDocumentAs(service);
    String readOnly = "alice-read-only-token-for-the-ui-test-42";
    try (OwnControlPlane own =
        OwnControlPlane.start(HeldRequests.recording(WHOAMI), "alice", WRITER_TOKEN, "writer")) {
      signInLive(own, "/#/service/" + service + "/rules");
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
      editTheDefaultRatio();
      awaitText(By.id("editor-status"), "No problems found.");
      click(By.cssSelector("[data-test=review]"));
      js(
          "const unheld = window.fetch;"
              + " const held = window.__whoami = { waiting: false };"
              + " window.fetch = (input, init = {}) => {"
              + "   if (String(input).includes('api/v1/whoami')) {"
              + "     held.waiting = true;"
              + "     return new Promise((go) => { held.release = () =>"
              + " go(unheld(input, init)); });"
              + "   }"
              + "   return unheld(input, init);"
              + " };");
      setTheTabsTokenAndClick(readOnly, By.cssSelector("[data-test=save]"));
      await().atMost(BOUND).until(() -> js("return window.__whoami.waiting") == Boolean.TRUE);
      own.restart(HeldRequests.recording(WHOAMI), "alice", readOnly, "reader");
      js("window.__whoami.release()");
      awaitRole("reader");
      awaitText(By.cssSelector("[data-test=draft-kept]"), "are kept as a draft");
      awaitText(
          By.id("toast"),
          "Your save of the rules of "
              + service
              + " was not sent: this tab was signed in again in another page meanwhile.");
      assertThat(browser.findElement(By.id("toast")).getText()).doesNotContain("kept");
      assertThat(liveRegionsSaying("kept")).isEqualTo(1);
      assertThat(
              revisionOf(
                  api(
                      "GET",
                      "/api/v1/services/" + service + "/rules",
                      READER_TOKEN,
                      null,
                      Map.of())))
          .isEqualTo(revision);
      js("sessionStorage.removeItem('sluice.drafts');");
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A writer confirms deleting a service's rules after another page of the tab signed in as bob:
   * the deletion is not sent, and the page drawn anew for bob says so, once; the rules stay.
   */
  @Test
  void aDeletionNotSentForASessionChangedElsewhereSaysSo() {
    String service = "delete-not-sent";
    long revision = storeOrdersDocumentAs(service);
    openEditorOf(service, revision);
    click(By.cssSelector("[data-test=delete-rules]"));
    waitFor(By.cssSelector("dialog [data-test=confirm]"));
    setTheTabsTokenAndClick(OTHER_WRITER_TOKEN, By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("#who .who-name"), "bob");
    awaitText(
        By.id("toast"),
        "Your deletion of the rules of "
            + service
            + " was not sent: this tab was signed in again in another page meanwhile.");
    assertThat(liveRegionsSaying("was not sent")).isEqualTo(1);
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(revision);
    js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Bob signs in in another page of the tab while alice's page is away; shown again, alice's page
   * closes and asks who the tab's token is, the answer held. Meanwhile alice's page is still shown,
   * but takes nothing: what is typed in its editor would be lost (her edits are kept as they were
   * when it closed), and what is clicked would be sent for bob on a page drawn for alice. So typing
   * changes nothing, clicking Delete asks nothing, nothing is sent; the page drawn anew for bob
   * takes input again.
   */
  @Test
  void aClosedPageTakesNoInputBeforeItIsDrawnAnew() {
    String service = "input-on-closed-page";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    awaitText(By.cssSelector("#who .who-name"), "alice");
    js(
        "const unheld = window.fetch;"
            + " const held = window.__whoami = { waiting: false, writes: [], unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   const url = String(input);"
            + "   if ((init.method || 'GET') !== 'GET') held.writes.push(init.method + ' ' + url);"
            + "   if (url.includes('api/v1/whoami')) {"
            + "     held.waiting = true;"
            + "     return new Promise((go) => { held.release = () => go(unheld(input, init)); });"
            + "   }"
            + "   return unheld(input, init);"
            + " };");
    try {
      leaveAndComeBack(
          () -> js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN));
      await("the page asks who the tab's token is")
          .atMost(BOUND)
          .until(() -> js("return window.__whoami.waiting") == Boolean.TRUE);
      String shown = editor.getAttribute("value");
      // what a user can do: type in the editor, click its buttons (WebDriver may refuse either)
      tryTo(() -> editor.sendKeys("typed on a closed page"));
      tryTo(() -> browser.findElement(By.cssSelector("[data-test=delete-rules]")).click());
      assertThat(editor.getAttribute("value")).isEqualTo(shown);
      assertThat(browser.findElements(By.cssSelector("dialog[open]"))).isEmpty();
      assertThat((List<?>) js("return window.__whoami.writes")).isEmpty();
      // and seen to be waiting
      assertThat(browser.findElement(By.id("main")).getAttribute("aria-busy")).isEqualTo("true");
      js("window.__whoami.release()");
      awaitText(By.cssSelector("#who .who-name"), "bob");
      awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(revision));
      assertThat(browser.findElement(By.id("main")).getAttribute("aria-busy")).isNull();
      assertThat(js("return document.getElementById('main').inert")).isEqualTo(Boolean.FALSE);
      click(By.cssSelector("[data-test=delete-rules]"));
      waitFor(By.cssSelector("dialog[open] [data-test=confirm]"));
      js("document.querySelector('dialog[open]').close()");
      assertThat((List<?>) js("return window.__whoami.writes")).isEmpty();
      assertThat(
              revisionOf(
                  api(
                      "GET",
                      "/api/v1/services/" + service + "/rules",
                      READER_TOKEN,
                      null,
                      Map.of())))
          .isEqualTo(revision);
    } finally {
      js(
          "if (window.__whoami) { window.__whoami.release?.(); window.fetch ="
              + " window.__whoami.unheld; }");
      js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /** Does what a user would, where WebDriver may refuse it (an element that takes no input). */
  private static void tryTo(Runnable action) {
    try {
      action.run();
    } catch (org.openqa.selenium.WebDriverException refused) {
      // refused: the element takes no input, which is what is asserted next
    }
  }

  /**
   * Bob signs in in another page of the tab while alice's page, with unsaved edits, is away; shown
   * again, the page keeps her edits as her draft and asks who the tab's token is, the answer held.
   * Meanwhile the closed page offers no sign-out: its click signed out bob's session (a session the
   * page was not drawn for) and dropped alice's draft just said to be kept.
   */
  @Test
  void aClosedPageOffersNoSignOutBeforeItIsDrawnAnew() {
    String service = "sign-out-on-closed-page";
    long revision = storeOrdersDocumentAs(service);
    WebElement editor = openEditorOf(service, revision);
    awaitText(By.cssSelector("#who .who-name"), "alice");
    type(editor, documentFor(service, 0.2));
    awaitText(By.id("editor-status"), "No problems found.");
    js(
        "const unheld = window.fetch;"
            + " const held = window.__whoami = { waiting: false, unheld };"
            + " window.fetch = (input, init = {}) => {"
            + "   if (String(input).includes('api/v1/whoami')) {"
            + "     held.waiting = true;"
            + "     return new Promise((go) => { held.release = () => go(unheld(input, init)); });"
            + "   }"
            + "   return unheld(input, init);"
            + " };");
    try {
      leaveAndComeBack(
          () -> js("sessionStorage.setItem('sluice.token', arguments[0]);", OTHER_WRITER_TOKEN));
      await("the page asks who the tab's token is")
          .atMost(BOUND)
          .until(() -> js("return window.__whoami.waiting") == Boolean.TRUE);
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("token:alice");
      WebElement signOut = browser.findElement(By.id("sign-out"));
      // what a user can click: a button shown
      if (signOut.isDisplayed()) signOut.click();
      assertThat(js("return sessionStorage.getItem('sluice.token');"))
          .isEqualTo(OTHER_WRITER_TOKEN);
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("token:alice");
      js("window.__whoami.release()");
      awaitText(By.cssSelector("#who .who-name"), "bob");
      assertThat(browser.findElement(By.id("sign-out")).isDisplayed()).isTrue();
      assertThat((String) js("return sessionStorage.getItem('sluice.drafts');"))
          .contains("token:alice");
    } finally {
      js(
          "if (window.__whoami) { window.__whoami.release?.(); window.fetch ="
              + " window.__whoami.unheld; }");
      js("sessionStorage.removeItem('sluice.drafts');");
      js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
    }
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Two toasts in quick succession are both shown, the later under the earlier, each for its time:
   * the later used to replace the earlier, which was then neither read nor read out. Toasts past
   * the few shown at once wait for room, rather than growing the stack without bound.
   */
  @Test
  void aToastStaysShownWhenAnotherFollows() {
    String service = "toasts-stack";
    long revision = storeOrdersDocumentAs(service);
    startAgent(service);
    openEditorOf(service, revision);
    By add = By.cssSelector("tr[data-target='inventory:8080'] [data-test=add-policy]");
    // the first two toasts' six seconds made ten minutes (the page's timers are the window's): on
    // a loaded machine, six seconds could pass between the first toast and the look at the second
    js(
        "const real = window.__realSetTimeout = window.setTimeout;"
            + " window.setTimeout = (f, ms, ...args) => real(f, ms === 6000 ? 600000"
            + " : ms, ...args);");
    try {
      click(By.id("tab-dependencies"));
      click(add);
      awaitText(By.id("toast"), "Added breaker policy 'inventory-8080' to the editor.");
      click(By.id("tab-dependencies"));
      click(add);
      awaitText(By.id("toast"), "already has breaker policy 'inventory-8080'");
      assertThat(browser.findElement(By.id("toast")).getText())
          .contains("Added breaker policy 'inventory-8080' to the editor.");
    } finally {
      js("window.setTimeout = window.__realSetTimeout;");
      // they would hold their room for ten minutes
      js("return import(new URL('js/dom.js', document.baseURI)).then(dom => dom.clearToasts());");
    }
    discardEdits();

    // the toasts above may have had their time by now (a loaded machine): what is shown is counted
    // in the same task as the twenty are given, where none can go.
    // The toasts shown at once have a tenth of a second rather than six (their timers are set as
    // they are shown, with the window's setTimeout, put back in the same task): the wait below is
    // for an earlier toast's time to end, not for how long that time is. The toasts shown after
    // them have their six seconds, for the wait to see one.
    @SuppressWarnings("unchecked")
    Map<String, Object> given =
        (Map<String, Object>)
            js(
                "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
                    + " const items = () => [...document.querySelectorAll('#toast .toast-item')];"
                    + " const before = items().length;"
                    + " const real = window.setTimeout;"
                    + " window.setTimeout = (f, ms, ...args) => real(f, ms === 6000 ? 100 : ms,"
                    + " ...args);"
                    + " try {"
                    + "   for (let i = 1; i <= 20; i++) dom.toast(`Toast number ${i}.`);"
                    + " } finally { window.setTimeout = real; }"
                    + " return {before, shown: items().map(t => t.textContent)}; });");
    int before = ((Number) given.get("before")).intValue();
    @SuppressWarnings("unchecked")
    List<String> shown = (List<String>) given.get("shown");
    assertThat(before).isLessThan(3);
    assertThat(shown).hasSize(3);
    assertThat(shown.subList(before, 3))
        .isEqualTo(
            IntStream.rangeClosed(1, 3 - before).mapToObj(i -> "Toast number " + i + ".").toList());
    await("a toast waiting is shown once an earlier one has had its time")
        .atMost(BOUND)
        .until(() -> toastsShown().stream().anyMatch(t -> t.matches("Toast number 1\\d\\.")));
    assertThat(toastsShown()).hasSizeLessThanOrEqualTo(3);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Past the ten toasts that may wait for room, an informational one waiting goes unshown, the
   * oldest, rather than an error: the oldest waiting went, whatever it was, so an error given
   * before a burst of outcomes was never shown nor read out.
   */
  @Test
  @SuppressWarnings("unchecked")
  void anErrorToastWaitingIsNotDroppedForLaterOutcomes() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "const added = window.__toastsAdded = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   added.push({text: n.textContent, region: c.target.id}))))"
            + " .observe(document.getElementById('toast'), {childList: true, subtree: true});");
    Supplier<List<Map<String, Object>>> added =
        () -> (List<Map<String, Object>>) js("return window.__toastsAdded;");
    // each toast's six seconds made a tenth of a second (the page's timers are the window's), so
    // the five rounds of three are not half a minute: what is dropped is decided as they are given
    js(
        "const real = window.__realSetTimeout = window.setTimeout;"
            + " window.setTimeout = (f, ms, ...args) => real(f, ms === 6000 ? 100 : ms, ...args);");
    try {
      // given in one task, where no toast can go: the room is filled, then the error waits first,
      // before twelve outcomes, three more than may wait after it
      js(
          "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
              + " for (let i = 1; i <= 3; i++) dom.toast(`Filler number ${i}.`);"
              + " dom.toast('An error given before the burst.', 'error');"
              + " for (let i = 1; i <= 12; i++) dom.toast(`Later number ${i}.`, 'ok'); });");
      await("the last toast waiting is shown, in its turn")
          .atMost(BOUND)
          .until(
              () -> added.get().stream().anyMatch(t -> "Later number 12.".equals(t.get("text"))));
    } finally {
      js("window.setTimeout = window.__realSetTimeout;");
    }
    assertThat(added.get())
        .filteredOn(t -> "An error given before the burst.".equals(t.get("text")))
        .extracting(t -> t.get("region"))
        .containsExactly("toast-alert");
    assertThat(added.get())
        .extracting(t -> t.get("text"))
        .as("the oldest outcome waiting goes first")
        .doesNotContain("Later number 1.");
  }

  /**
   * A sign-out takes the session's toasts away, those waiting too: a toast waiting for room (an
   * error about the page signed out of) was shown and read out over the sign-in form, before the
   * sign-out's own toast, which waited behind it.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aSignOutLeavesNoToastOfTheSessionToBeShownOverTheSignInForm() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "const added = window.__toastsAdded = [];"
            + " document.getElementById('sign-out').addEventListener('click',"
            + "   () => added.push('(signed out)'), {capture: true});"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   added.push(n.textContent))))"
            + " .observe(document.getElementById('toast'), {childList: true, subtree: true});");
    // the room filled, the error waits
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
            + " for (let i = 1; i <= 3; i++) dom.toast(`Filler number ${i}.`);"
            + " dom.toast('Rollback failed: an error of the page signed out of.', 'error'); });");
    click(By.id("sign-out"));
    waitFor(By.id("token"));
    Supplier<List<String>> added = () -> (List<String>) js("return window.__toastsAdded;");
    await("the sign-out's toast is shown")
        .atMost(BOUND.multipliedBy(3))
        .until(() -> added.get().contains("Signed out."));
    List<String> afterSignOut = added.get();
    assertThat(afterSignOut.subList(afterSignOut.indexOf("(signed out)"), afterSignOut.size()))
        .as("toasts added from the sign-out on")
        .containsExactly("(signed out)", "Signed out.");
    assertThat(browser.findElements(By.cssSelector("#toast-status, #toast-alert"))).hasSize(2);
  }

  /**
   * The same words toasted again for another event (a second click on "Add to editor" for a policy
   * the editor has) are read out again: the toast region gets them as a new line, the older one
   * going, so they are not stacked twice. The line shown used to be kept as it was, and a screen
   * reader said nothing for the second click.
   */
  @Test
  void theSameToastForASecondEventIsReadOutAgain() {
    String service = "toasts-again";
    long revision = storeOrdersDocumentAs(service);
    startAgent(service);
    openEditorOf(service, revision);
    By add = By.cssSelector("tr[data-target='inventory:8080'] [data-test=add-policy]");
    click(By.id("tab-dependencies"));
    click(add);
    awaitText(By.id("toast"), "Added breaker policy 'inventory-8080' to the editor.");
    // what the toast region is given from now: each line added is read out
    js(
        "const said = window.__toastsSaid = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   said.push(n.textContent)))).observe(document.getElementById('toast-status'),"
            + " {childList: true});");
    String again = "already has breaker policy 'inventory-8080'";
    for (int click = 1; click <= 2; click++) {
      click(By.id("tab-dependencies"));
      click(add);
      int clicks = click;
      await("the toast region is given the words of click " + clicks)
          .atMost(BOUND)
          .until(
              () ->
                  ((List<?>) js("return window.__toastsSaid;"))
                      .stream().filter(t -> t.toString().contains(again)).count(),
              n -> n >= clicks);
    }
    assertThat(toastsShown()).filteredOn(t -> t.contains(again)).hasSize(1);
    discardEdits();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Stacked toasts are read out one by one, each as it is shown: the toast region, a status, was
   * atomic (a status is, unless it says otherwise), so a screen reader read the whole stack out at
   * every toast added, the earlier toasts again and again. The stacks are no live regions now, as
   * Chromium's accessibility tree has it: each toast is read out through the page's notice regions
   * (announce), which say a toast shown after an earlier one alone.
   */
  @Test
  @SuppressWarnings("unchecked")
  void stackedToastsAreReadOutOneByOne() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    Map<String, Object> document = browser.executeCdpCommand("DOM.getDocument", Map.of("depth", 0));
    Object root = ((Map<String, Object>) document.get("root")).get("nodeId");
    for (String selector : List.of("#toast-status", "#toast-alert")) {
      Object region =
          browser
              .executeCdpCommand("DOM.querySelector", Map.of("nodeId", root, "selector", selector))
              .get("nodeId");
      List<Map<String, Object>> nodes =
          (List<Map<String, Object>>)
              browser
                  .executeCdpCommand(
                      "Accessibility.getPartialAXTree",
                      Map.of("nodeId", region, "fetchRelatives", false))
                  .get("nodes");
      List<Map<String, Object>> properties =
          (List<Map<String, Object>>) nodes.get(0).getOrDefault("properties", List.of());
      assertThat(properties)
          .as("the toast stack %s read out whole at each toast", selector)
          .noneMatch(p -> "live".equals(p.get("name")));
    }
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom =>"
            + " dom.toast('The first toast of two.', 'ok'));");
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom =>"
            + " dom.toast('The second toast of two.', 'ok'));");
    assertThat(toastsShown()).contains("The first toast of two.", "The second toast of two.");
    assertThat(announced("status")).isEqualTo("The second toast of two.");
  }

  /**
   * Toasts stack in the order they were given, errors among the others: an error stacked under
   * every outcome, whatever came first, so a failure ("Rollback failed") looked newer than the
   * success given after it ("Rolled back to revision ...").
   */
  @Test
  @SuppressWarnings("unchecked")
  void anErrorToastIsStackedInTheOrderItWasGiven() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    List<String> stacked =
        (List<String>)
            js(
                "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
                    + " dom.toast('Rollback failed: the older action.', 'error');"
                    + " dom.toast('Rolled back to revision 7: the newer action.', 'ok');"
                    + " return [...document.querySelectorAll('#toast .toast-item')]"
                    + "   .sort((a, b) => a.getBoundingClientRect().top -"
                    + " b.getBoundingClientRect().top)"
                    + "   .map(t => t.textContent); });");
    assertThat(stacked)
        .as("the toasts from the top down")
        .containsExactly(
            "Rollback failed: the older action.", "Rolled back to revision 7: the newer action.");
  }

  /**
   * An error toast ("Fix the problems listed under the editor first.") is read out once, through an
   * assertive live region, as the page's other errors are; an outcome's toast ("Added breaker
   * policy ...") through a polite one. Every toast used to be read out politely, errors included.
   */
  @Test
  void anErrorToastIsReadOutAssertivelyAndAnOutcomePolitely() {
    String service = "toasts-urgent";
    long revision = storeOrdersDocumentAs(service);
    startAgent(service);
    WebElement editor = openEditorOf(service, revision);
    click(By.id("tab-dependencies"));
    click(By.cssSelector("tr[data-target='inventory:8080'] [data-test=add-policy]"));
    String added = "Added breaker policy 'inventory-8080' to the editor.";
    awaitText(By.id("toast"), added);
    assertThat(liveRegionsReadingOut(added)).containsExactly("polite");
    click(By.id("tab-rules"));
    type(editor, "{");
    // the problem list appears under the editor and moves the buttons down: a click before it
    // lands where Review was (the comment field)
    awaitText(By.id("editor-status"), "1 problem found");
    click(By.cssSelector("[data-test=review]"));
    String fix = "Fix the problems listed under the editor first.";
    awaitText(By.id("toast"), fix);
    assertThat(liveRegionsReadingOut(fix)).containsExactly("assertive");
    discardEdits();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A toast given while a confirm dialog is open (a load that failed, a save of another page of the
   * tab that went through) is read out, as is a notice: a modal dialog makes the rest of the page
   * inert, its live regions too, as Chromium's accessibility tree has it, so neither was read out
   * until the dialog closed, nor then. They are read out through live regions inside the dialog.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aToastOrNoticeGivenWhileAConfirmDialogIsOpenIsReadOut() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
            + " window.__answer = dom.confirmDialog({title: 'Leave?', message: 'Asked.',"
            + " confirmLabel: 'Leave'}); });");
    waitFor(By.cssSelector("dialog [data-test=confirm]"));
    Map<String, Object> document = browser.executeCdpCommand("DOM.getDocument", Map.of("depth", 0));
    Object root = ((Map<String, Object>) document.get("root")).get("nodeId");
    Object pageRegion =
        browser
            .executeCdpCommand(
                "DOM.querySelector", Map.of("nodeId", root, "selector", "#announce-alert"))
            .get("nodeId");
    List<Map<String, Object>> nodes =
        (List<Map<String, Object>>)
            browser
                .executeCdpCommand(
                    "Accessibility.getPartialAXTree",
                    Map.of("nodeId", pageRegion, "fetchRelatives", false))
                .get("nodes");
    assertThat(nodes.get(0).get("ignored"))
        .as("the page's own regions, outside the open dialog, are read out by no one")
        .isEqualTo(true);
    // the page's clock stands still while they are said and read: the error, kept beside the
    // outcome said after it, goes once heard (see dom.js HELD_MS), however slow the machine
    js("const at = performance.now(); performance.now = () => at;");
    try {
      js(
          "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
              + " dom.toast('Could not load revision 7: given while the dialog asks.', 'error');"
              + " dom.toast('Your save went through: given while the dialog asks.', 'ok'); });");
      assertThat(liveRegionsReadingOut("Could not load revision 7: given while the dialog asks."))
          .containsExactly("assertive");
      assertThat(liveRegionsReadingOut("Your save went through: given while the dialog asks."))
          .containsExactly("polite");
      js(
          "return import(new URL('js/dom.js', document.baseURI)).then(dom =>"
              + " dom.announce('A notice given while the dialog asks.'));");
      assertThat(liveRegionsReadingOut("A notice given while the dialog asks."))
          .containsExactly("polite");
    } finally {
      js("delete performance.now;");
      click(By.cssSelector("dialog [data-test=cancel]"));
    }
    await("the dialog closes")
        .atMost(BOUND)
        .until(() -> browser.findElements(By.cssSelector("dialog")).isEmpty());
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom =>"
            + " dom.announce('A notice given once the dialog closed.', {urgent: true}));");
    assertThat(announced("alert")).isEqualTo("A notice given once the dialog closed.");
  }

  /**
   * What is said in an open confirm dialog's live regions in the task that closes it (a toast of
   * edits that could not be kept, given as the page is drawn anew for a changed role, which closes
   * the dialog) is read out by the page's regions: the dialog took it away, with its regions,
   * before any screen reader read it out, so the toast was shown but never read out.
   */
  @Test
  void whatIsSaidInAConfirmDialogAsItClosesIsReadOutByThePage() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
            + " dom.clearToasts(); dom.confirmDialog({title: 'Leave?', message: 'Asked.',"
            + " confirmLabel: 'Leave'}); });");
    waitFor(By.cssSelector("dialog [data-test=confirm]"));
    String error = "Your unsaved edits could not be kept: said as the dialog closes.";
    String outcome = "An outcome said as the dialog closes.";
    withThePagesClockStill(
        () -> {
          js(
              "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
                  + " dom.toast(arguments[0], 'error'); dom.toast(arguments[1], 'ok');"
                  + " dom.closeDialogs(); });",
              error,
              outcome);
          assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
          assertThat(toastsShown()).contains(error, outcome);
          assertThat(announced("alert")).isEqualTo(error);
          assertThat(announced("status")).isEqualTo(outcome);
        });
  }

  /**
   * An urgent notice (a load that failed, said by its error line) and an error toast given at the
   * same moment are both read out, together, by the page's one assertive region: each had an
   * assertive region of its own, and the one written last interrupted the other.
   */
  @Test
  @SuppressWarnings("unchecked")
  void anUrgentNoticeAndAnErrorToastAtTheSameMomentAreBothReadOut() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    String notice = "Could not load the rules: an urgent notice.";
    String error = "Rollback failed: an error toast at the same moment.";
    withThePagesClockStill(
        () -> {
          js(
              "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
                  + " dom.announce(arguments[0], {urgent: true});"
                  + " dom.toast(arguments[1], 'error'); });",
              notice,
              error);
          List<String> assertive =
              (List<String>)
                  js(
                      "return [...document.querySelectorAll('[aria-live=assertive],"
                          + " [role=alert]')]"
                          + " .filter(r => !r.closest('[hidden]') && r.textContent)"
                          + " .map(r => r.textContent);");
          assertThat(assertive).hasSize(1);
          assertThat(assertive.get(0)).contains(notice).contains(error);
        });
    assertThat(toastsShown()).contains(error);
  }

  /**
   * Two errors said a task apart (a load that failed, then a rollback refused) are both in the
   * assertive region, and an outcome said after them takes neither away: the later error replaced
   * the earlier one, as the outcome did, before any screen reader had read it out. What the region
   * said longer ago than that goes with the next error, so it does not grow without bound.
   */
  @Test
  void errorsSaidATaskApartAreBothReadOut() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    String first = "Could not load the rules: the first of two errors.";
    String second = "Rollback failed: the second error, said a task later.";
    String outcome = "Saved as revision 7: an outcome, said a task after the errors.";
    // the page's clock stands still meanwhile: on a loaded machine a task can come a second or
    // more after the one before, and the first error would then be gone as heard
    js("const at = performance.now(); performance.now = () => at;");
    try {
      js(
          "const [first, second, outcome] = arguments;"
              + " const nextTask = () => new Promise((later) => setTimeout(later));"
              + " return import(new URL('js/dom.js', document.baseURI)).then(async (dom) => {"
              + "   dom.announce(first, {urgent: true}); await nextTask();"
              + "   dom.announce(second, {urgent: true}); await nextTask();"
              + "   dom.announce(outcome); });",
          first,
          second,
          outcome);
      // read while the clock still stands: the errors go once they have been heard
      assertThat(announced("alert")).contains(first).contains(second);
      assertThat(announced("status")).isEqualTo(outcome);

      // the page's clock moved on by a minute, and an error is said in that very task (before
      // the errors' own hold is over on a timer)
      String later = "Could not load the history: an error said long after the others.";
      js(
          "const at = performance.now(); performance.now = () => at + 60000;"
              + " return import(new URL('js/dom.js', document.baseURI)).then((dom) =>"
              + " dom.announce(arguments[0], {urgent: true}));",
          later);
      assertThat(announced("alert")).isEqualTo(later);
    } finally {
      js("delete performance.now;");
    }
  }

  /**
   * An error said a task before an outcome (a load that failed, then a save that went through)
   * stays in the assertive region beside the outcome until it has been heard, then goes: it stayed
   * until something else was said, its words about what is over left in the page for a screen
   * reader reading it through. The outcome stays.
   */
  @Test
  @SuppressWarnings("unchecked")
  void anErrorSaidJustBeforeAnOutcomeIsReadOutThenGoes() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    String error = "Could not load the agents: an error, said a task before the outcome.";
    String outcome = "Saved as revision 7: an outcome, said just after the error.";
    // the page's clock stands still while both are said and read, so the error is said just
    // before the outcome, and still held as the regions are read, however slow the machine
    js("const at = performance.now(); performance.now = () => at;");
    try {
      List<String> said =
          (List<String>)
              js(
                  "const [error, outcome] = arguments;"
                      + " const nextTask = () => new Promise((later) => setTimeout(later));"
                      + " return import(new URL('js/dom.js', document.baseURI))"
                      + " .then(async (dom) => {"
                      + "   dom.announce(error, {urgent: true}); await nextTask();"
                      + "   dom.announce(outcome);"
                      + "   return ['status', 'alert'].map((region) =>"
                      + "     document.getElementById('announce-' + region).textContent); });",
                  error,
                  outcome);
      assertThat(said).as("the polite and the assertive region").containsExactly(outcome, error);
      // the page's clock moved on by a minute: heard, the error goes, with nothing else said
      js("const at = performance.now(); performance.now = () => at + 60000;");
      await().atMost(BOUND).until(() -> announced("alert").isEmpty());
      assertThat(announced("status")).isEqualTo(outcome);
    } finally {
      js("delete performance.now;");
    }
  }

  /**
   * An outcome said a task before an error (a save that went through, then a load that failed)
   * stays in the polite region beside the error until it has been heard, then goes: the error
   * emptied the polite region at once, and the outcome, queued behind what was being read, was
   * never read out.
   */
  @Test
  @SuppressWarnings("unchecked")
  void anOutcomeSaidJustBeforeAnErrorIsStillReadOut() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    String outcome = "Saved as revision 7: an outcome, said a task before the error.";
    String error = "Could not load the agents: an error, said just after the outcome.";
    // the page's clock stands still while both are said, so the outcome is said just before the
    // error however slow the machine; the regions are read as the error is said
    List<String> said =
        (List<String>)
            js(
                "const [outcome, error] = arguments;"
                    + " const now = performance.now(); performance.now = () => now;"
                    + " const nextTask = () => new Promise((later) => setTimeout(later));"
                    + " return import(new URL('js/dom.js', document.baseURI)).then(async (dom) => {"
                    + "   dom.announce(outcome); await nextTask();"
                    + "   dom.announce(error, {urgent: true});"
                    + "   return ['status', 'alert'].map((region) =>"
                    + "     document.getElementById('announce-' + region).textContent); })"
                    + " .finally(() => { delete performance.now; });",
                outcome,
                error);
    assertThat(said).as("the polite and the assertive region").containsExactly(outcome, error);
    // heard, the outcome goes; the error stays until something else is said
    await().atMost(BOUND).until(() -> announced("status").isEmpty());
    assertThat(announced("alert")).isEqualTo(error);
  }

  /**
   * An error said in the same task as an outcome, before it (a load that failed and a save that
   * went through, answered at once), goes from the assertive region once it has been heard: it was
   * read out with the outcome, but stayed until something else was said, its words about what is
   * over left in the page for a screen reader reading it through. The outcome stays.
   */
  @Test
  void anErrorSaidInOneTaskWithALaterOutcomeGoesOnceHeard() {
    sayTwoThenLetTheHoldPass(
        new Said("Could not load the agents: an error, said first in one task.", true),
        new Said("Saved as revision 7: an outcome, said in the error's task.", false),
        false);
  }

  /**
   * An outcome said in the same task as an error, before it, goes from the polite region once it
   * has been heard, as one said a task before the error does: it stayed until the next outcome. The
   * error stays.
   */
  @Test
  void anOutcomeSaidInOneTaskWithALaterErrorGoesOnceHeard() {
    sayTwoThenLetTheHoldPass(
        new Said("Saved as revision 7: an outcome, said first in one task.", false),
        new Said("Could not load the agents: an error, said in the outcome's task.", true),
        false);
  }

  /**
   * An error kept beside a later error (a load that failed, then a rollback refused a task later)
   * goes from the assertive region once it has been heard: it stayed until something else was said.
   * The later error stays.
   */
  @Test
  void anErrorKeptBesideALaterErrorGoesOnceHeard() {
    sayTwoThenLetTheHoldPass(
        new Said("Could not load the rules: an error, said a task before another.", true),
        new Said("Rollback failed: an error, said a task after another.", true),
        true);
  }

  /**
   * Of two errors said in the same task (an error line's notice and the toast of another failure),
   * read out together, the earlier goes once it has been heard, the later stays.
   */
  @Test
  void anErrorSaidInOneTaskWithALaterErrorGoesOnceHeard() {
    sayTwoThenLetTheHoldPass(
        new Said("Could not load the rules: an error, said first in one task.", true),
        new Said("Rollback failed: an error, said after another in its task.", true),
        false);
  }

  /** Words for {@link #sayTwoThenLetTheHoldPass}: an error when {@code urgent}. */
  private record Said(String text, boolean urgent) {
    String region() {
      return urgent ? "alert" : "status";
    }
  }

  /**
   * Says {@code first}, then {@code then}, a task apart or in one task, with the page's clock
   * standing still, so both are still held as the regions are read however slow the machine; then
   * moves the page's clock on by a minute and waits until {@code first} is gone, with nothing else
   * said: {@code then} stays, alone in its region.
   */
  @SuppressWarnings("unchecked")
  private static void sayTwoThenLetTheHoldPass(Said first, Said then, boolean aTaskApart) {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js("const at = performance.now(); performance.now = () => at;");
    try {
      List<String> said =
          (List<String>)
              js(
                  "const [first, firstUrgent, then, thenUrgent, aTaskApart] = arguments;"
                      + " const nextTask = () => new Promise((later) => setTimeout(later));"
                      + " return import(new URL('js/dom.js', document.baseURI))"
                      + " .then(async (dom) => {"
                      + "   dom.clearAnnounced();"
                      + "   dom.announce(first, {urgent: firstUrgent});"
                      + "   if (aTaskApart) await nextTask();"
                      + "   dom.announce(then, {urgent: thenUrgent});"
                      + "   return ['status', 'alert'].map((region) =>"
                      + "     document.getElementById('announce-' + region).textContent); });",
                  first.text(),
                  first.urgent(),
                  then.text(),
                  then.urgent(),
                  aTaskApart);
      assertThat(String.join(" | ", said))
          .as("the polite and the assertive region, both said")
          .contains(first.text())
          .contains(then.text());
      // the page's clock moved on by a minute: heard, the first words go, with nothing else said
      js("const at = performance.now(); performance.now = () => at + 60000;");
      await("the first words go once heard")
          .atMost(BOUND)
          .until(() -> !announced(first.region()).contains(first.text()));
      assertThat(announced(then.region())).isEqualTo(then.text());
      if (!first.region().equals(then.region())) {
        assertThat(announced(first.region())).isEmpty();
      }
    } finally {
      js("delete performance.now;");
    }
  }

  /**
   * Only errors wait for room, more than may wait: none goes unsaid. The oldest are kept whole and
   * the newest are folded into one toast that counts them and quotes what they say: the oldest
   * error waiting used to go, never shown nor read out; then the folded toast quoted the latest
   * only, and the errors folded before it went unsaid.
   */
  @Test
  void errorsWaitingPastTheRoomAreFoldedNotDropped() {
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 9; i++) expected.add("Error number " + i + ".");
    expected.add(
        "And 3 more errors: Error number 10. Error number 11. The latest: Error number 12.");
    assertThat(errorToastsShownFor(12)).containsExactlyElementsOf(expected);
  }

  /**
   * Errors folded past the few texts the folded toast quotes are counted: it quotes the first ones
   * and the latest, "among" all it stands for, and stays one line, however long the burst.
   */
  @Test
  void aToastFoldingMoreErrorsThanItQuotesSaysItQuotesSome() {
    String folded =
        "And 7 more errors, among them: Error number 10. Error number 11."
            + " The latest: Error number 16.";
    assertThat(errorToastsShownFor(16)).hasSize(10).endsWith(folded);
  }

  /**
   * An error the folded toast quotes already, given again while it waits, is said once, as an error
   * waiting on its own is: it is neither counted as one more nor named the latest. It was both, and
   * the first text quoted (a burst often begins with its cause) lost its place for it.
   */
  @Test
  void anErrorTheFoldedToastQuotesIsNotCountedAgain() {
    List<String> errors = new ArrayList<>();
    for (int i = 1; i <= 12; i++) errors.add("Error number " + i + ".");
    errors.add("Error number 10.");
    assertThat(errorToastsShownFor(errors))
        .hasSize(10)
        .endsWith(
            "And 3 more errors: Error number 10. Error number 11. The latest: Error number 12.");
  }

  /** {@link #errorToastsShownFor(List)} for "Error number 1." to "Error number {@code errors}.". */
  private static List<String> errorToastsShownFor(int errors) {
    return errorToastsShownFor(
        IntStream.rangeClosed(1, errors).mapToObj(i -> "Error number " + i + ".").toList());
  }

  /**
   * The error toasts shown, in order, for the {@code errors} given at once after the room was
   * filled (ten may wait, the rest are folded), once the toast that folds the newest is shown.
   */
  @SuppressWarnings("unchecked")
  private static List<String> errorToastsShownFor(List<String> errors) {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "const added = window.__toastsAdded = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   added.push(n.textContent))))"
            + " .observe(document.getElementById('toast-alert'), {childList: true});");
    // each toast's six seconds made a tenth of a second, as in
    // anErrorToastWaitingIsNotDroppedForLaterOutcomes
    js(
        "const real = window.__realSetTimeout = window.setTimeout;"
            + " window.setTimeout = (f, ms, ...args) => real(f, ms === 6000 ? 100 : ms, ...args);");
    Supplier<List<String>> added = () -> (List<String>) js("return window.__toastsAdded;");
    try {
      // given in one task, where no toast can go: the room filled, the errors wait
      js(
          "const errors = arguments[0];"
              + " return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
              + " for (let i = 1; i <= 3; i++) dom.toast(`Filler number ${i}.`);"
              + " for (const error of errors) dom.toast(error, 'error'); });",
          errors);
      await("the toast folding the newest errors is shown, in its turn")
          .atMost(BOUND)
          .until(() -> added.get().stream().anyMatch(t -> t.startsWith("And ")));
    } finally {
      js("window.setTimeout = window.__realSetTimeout;");
    }
    return added.get();
  }

  /**
   * Another page of the tab signs in as bob: the page drawn anew for him shows no toast of alice's
   * session, neither one shown nor one waiting for room, as the sign-in form after a sign-out does.
   * They stayed, and one waiting was shown, and read out, over bob's page.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aSignInInAnotherPageOfTheTabLeavesNoToastOfTheSessionBefore() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    js(
        "const added = window.__toastsAdded = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   added.push(n.textContent))))"
            + " .observe(document.getElementById('toast'), {childList: true, subtree: true});");
    // the room filled, an error of alice's page waits; then, once a later task ran (what is
    // toasted in the task that finds the sign-in out stays: see
    // aRollbackThatWentThroughAsTheTabSignedInElsewhereIsTold), another page of the tab signs in as
    // bob, and the page's next call finds it out
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
            + " for (let i = 1; i <= 3; i++) dom.toast(`Alice's toast number ${i}.`);"
            + " dom.toast(\"Rollback failed: an error of alice's page.\", 'error'); });");
    List<String> shown =
        (List<String>)
            js(
                "return new Promise((later) => setTimeout(later, 10)).then(() =>"
                    + " import(new URL('js/api.js', document.baseURI))).then((api) => {"
                    + " sessionStorage.setItem('sluice.token', arguments[0]);"
                    + " return api.call('GET', 'api/v1/services').catch(() => null)"
                    + "   .then(() => [...document.querySelectorAll('#toast .toast-item')]"
                    + "   .map(t => t.textContent)); });",
                OTHER_WRITER_TOKEN);
    assertThat(shown).as("toasts shown as the page is drawn anew").isEmpty();
    awaitText(By.cssSelector("#who .who-name"), "bob");
    // a toast given now waits behind none of alice's, and is shown at once
    js(
        "return import(new URL('js/dom.js', document.baseURI)).then(dom =>"
            + " dom.toast(\"A toast of bob's page.\"));");
    assertThat(toastsShown()).containsExactly("A toast of bob's page.");
    assertThat((List<String>) js("return window.__toastsAdded;"))
        .noneMatch(t -> t.contains("alice's page"));
  }

  /**
   * Another page of the tab signs in as bob: the page's live regions keep nothing alice's session
   * said (an error of hers, an outcome), which a screen reader reading bob's page through found
   * there, as bob's page said nothing to replace it.
   */
  @Test
  void aSignInInAnotherPageOfTheTabLeavesNothingSaidOfTheSessionBefore() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    withThePagesClockStill(
        () -> {
          js(
              "return import(new URL('js/dom.js', document.baseURI)).then(dom => {"
                  + " dom.announce(\"Rollback failed: said on alice's page.\", {urgent: true});"
                  + " dom.announce(\"Rolled back: said on alice's page.\"); });");
          assertThat(announced("alert")).contains("alice's page");
          assertThat(announced("status")).contains("alice's page");
        });
    // once a later task ran, another page of the tab signs in as bob; the page's next call finds
    // it out
    js(
        "return new Promise((later) => setTimeout(later, 10)).then(() =>"
            + " import(new URL('js/api.js', document.baseURI))).then((api) => {"
            + " sessionStorage.setItem('sluice.token', arguments[0]);"
            + " return api.call('GET', 'api/v1/services').catch(() => null); });",
        OTHER_WRITER_TOKEN);
    awaitText(By.cssSelector("#who .who-name"), "bob");
    waitFor(By.id("open-service"));
    assertThat(announced("alert")).doesNotContain("alice's page");
    assertThat(announced("status")).doesNotContain("alice's page");
  }

  /**
   * A rollback goes through as another page of the tab signs in as bob: its page tells so in a
   * toast, then re-reads the rules, a call not sent, and is drawn anew for bob. The toast stays for
   * its time over bob's page; it was taken away in the very task it was given, with the toasts of
   * alice's session, and no one saw or heard that the rollback went through.
   */
  @Test
  void aRollbackThatWentThroughAsTheTabSignedInElsewhereIsTold() {
    String service = "rollback-through-signed-in";
    long first = storeOrdersDocumentAs(service);
    long second = storeOrdersDocumentAs(service, 0.5);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    js(
        "const added = window.__toastsAdded = [];"
            + " new MutationObserver((changes) => changes.forEach((c) =>"
            + " c.addedNodes.forEach((n) =>"
            + "   added.push(n.textContent))))"
            + " .observe(document.getElementById('toast'), {childList: true, subtree: true});");
    // another page of the tab signs in as bob just as the rollback's answer arrives
    js(
        "const bob = arguments[0]; window.__unheld = window.fetch; window.fetch = (...a) =>"
            + " /rules\\/rollback/.test(String(a[0]))"
            + " ? window.__unheld(...a).then((r) => {"
            + " sessionStorage.setItem('sluice.token', bob); return r; })"
            + " : window.__unheld(...a);",
        OTHER_WRITER_TOKEN);
    // each toast's six seconds made long, so one shown is still there however slow bob's page is
    js(
        "const real = window.__realSetTimeout = window.setTimeout;"
            + " window.setTimeout = (f, ms, ...args) => real(f, ms === 6000 ? 600000"
            + " : ms, ...args);");
    try {
      click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
      click(By.cssSelector("dialog [data-test=confirm]"));
      awaitText(By.cssSelector("#who .who-name"), "bob");
      await("the rollback's toast is given")
          .atMost(BOUND)
          .until(
              () ->
                  ((List<?>) js("return window.__toastsAdded;"))
                      .stream().anyMatch(t -> String.valueOf(t).startsWith("Rolled back")));
      assertThat(toastsShown())
          .as("toasts shown over bob's page")
          .anyMatch(t -> t.startsWith("Rolled back to revision " + first));
    } finally {
      js("window.fetch = window.__unheld; window.setTimeout = window.__realSetTimeout;");
    }
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isGreaterThan(second);
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * Whether a panel tells of a failed call is asked once, of the api layer, not by each panel: a
   * call not sent (its handler has said so where the user is now) or one that failed once its page
   * was closed is said elsewhere; any other failure is the panel's to tell.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aFailureNotSentOrOfAClosedPageIsSaidElsewhere() {
    open(WRITER_TOKEN, "/");
    waitFor(By.id("open-service"));
    Map<String, Object> said =
        (Map<String, Object>)
            js(
                "return import(new URL('js/api.js', document.baseURI)).then(api => {"
                    + " const failed = new api.ApiError(503, null, new Headers());"
                    + " return {"
                    + "   notSent: api.saidElsewhere(Object.assign(new Error('x'),"
                    + " {notSent: true}),"
                    + "     {closed: false}),"
                    + "   closed: api.saidElsewhere(failed, {closed: true}),"
                    + "   own: api.saidElsewhere(failed, {closed: false}) }; });");
    assertThat(said)
        .containsEntry("notSent", true)
        .containsEntry("closed", true)
        .containsEntry("own", false);
  }

  /**
   * How each of the page's live regions that are not hidden and hold {@code text} now reads it out
   * ({@code "polite"} or {@code "assertive"}), in the page's order.
   */
  @SuppressWarnings("unchecked")
  private static List<String> liveRegionsReadingOut(String text) {
    return (List<String>)
        js(
            "return [...document.querySelectorAll('[aria-live]:not([aria-live=off]), [role=status],"
                + " [role=alert], [role=log]')]"
                + " .filter(r => !r.closest('[hidden]') && r.textContent.includes(arguments[0]))"
                + " .filter(r => !document.querySelector('dialog:modal')"
                + "   || document.querySelector('dialog:modal').contains(r))"
                + " .map(r => r.getAttribute('aria-live')"
                + "   || (r.getAttribute('role') === 'alert' ? 'assertive' : 'polite'));",
            text);
  }

  /** The texts of the toasts shown now, oldest first. */
  @SuppressWarnings("unchecked")
  private static List<String> toastsShown() {
    return (List<String>)
        js("return [...document.querySelectorAll('#toast .toast-item')].map(t => t.textContent);");
  }

  /**
   * A writer confirms a rollback after another page of the tab signed in as bob, then bob runs a
   * dry run after alice signed in again elsewhere: neither is sent, and each time the page drawn
   * anew says so in one toast, as for a save, not "Rollback failed" or "Dry run failed" with the
   * reason the call gives; the rules stay as they were.
   */
  @Test
  void aRollbackOrDryRunNotSentForASessionChangedElsewhereSaysSo() {
    String service = "rollback-not-sent";
    long first = storeOrdersDocumentAs(service);
    long second = storeOrdersDocumentAs(service, 0.5);
    open(WRITER_TOKEN, "/service/" + service + "/history");
    awaitText(By.cssSelector("[data-test=current-revision]"), String.valueOf(second));
    click(By.cssSelector("tr[data-revision='" + first + "'] [data-test=rollback]"));
    waitFor(By.cssSelector("dialog [data-test=confirm]"));
    setTheTabsTokenAndClick(OTHER_WRITER_TOKEN, By.cssSelector("dialog [data-test=confirm]"));
    awaitText(By.cssSelector("#who .who-name"), "bob");
    awaitText(
        By.id("toast"),
        "Your rollback of "
            + service
            + " to revision "
            + first
            + " was not sent: this tab was signed in again in another page meanwhile.");
    assertThat(liveRegionsSaying("was not sent")).isEqualTo(1);
    assertThat(liveRegionsSaying("failed")).isZero();
    assertThat(
            revisionOf(
                api("GET", "/api/v1/services/" + service + "/rules", READER_TOKEN, null, Map.of())))
        .isEqualTo(second);

    click(By.id("tab-dry-run"));
    waitFor(By.cssSelector("[data-test=evaluate]"));
    setTheTabsTokenAndClick(WRITER_TOKEN, By.cssSelector("[data-test=evaluate]"));
    awaitText(By.cssSelector("#who .who-name"), "alice");
    awaitText(
        By.id("toast"),
        "Your dry run on the rules of "
            + service
            + " was not sent: this tab was signed in again in another page meanwhile.");
    assertThat(liveRegionsSaying("was not sent")).isEqualTo(1);
    assertThat(liveRegionsSaying("failed")).isZero();
    api("DELETE", "/api/v1/services/" + service + "/rules", WRITER_TOKEN, null, Map.of());
  }

  /**
   * A page that continues without a token after a token was refused is shown again from the
   * back-forward cache: nothing changed in the tab meanwhile, so it stays a reader's page, live,
   * instead of taking the refused token for a session ended in another page. Then another page of
   * the tab signs in as a writer, and the page's event stream reconnects (the control plane
   * restarted): the page is drawn anew for the writer, not left a reader's with a writer's token.
   */
  @Test
  void aPageReadingWithoutATokenAfterARefusedOneStaysWhenShownAgain() throws Exception {
    try (OwnControlPlane own = ownWriterControlPlane("--sluice.security.open-reads=true")) {
      browser.get(own.url("/#/"));
      signIn("a-token-the-control-plane-never-had");
      awaitText(By.id("sign-in-error"), "That token was not accepted.");
      click(By.cssSelector("[data-test=read-without-token]"));
      awaitRole("reader");
      awaitText(By.id("live"), "Live");

      leaveAndComeBack(() -> {});
      awaitText(By.id("live"), "Live");
      awaitRole("reader");
      assertThat(browser.findElements(By.id("token"))).isEmpty();

      js("sessionStorage.setItem('sluice.token', arguments[0]);", WRITER_TOKEN);
      own.restart(
          HeldRequests.recording(EVENTS),
          "alice",
          WRITER_TOKEN,
          "writer",
          "--sluice.security.open-reads=true");
      awaitRole("writer");
      awaitText(By.cssSelector("#who .who-name"), "alice");
      awaitText(By.id("sign-out"), "Sign out");
      awaitText(By.id("live"), "Live");
    }
  }

  /**
   * A writer's session ends under unsaved edits (the token no longer accepted, reads open): the
   * edits are kept for the writer's next sign-in. Reading on without a token meanwhile, the user's
   * "Sign in" (the sign-out button of a session without a token) from a page that does not show the
   * kept draft leads to that sign-in: it must not drop the draft it waits for.
   */
  @Test
  void signingInFromAPageReadingWithoutATokenKeepsTheDraftForThatSignIn() throws Exception {
    String service = "draft-past-open-reads";
    long revision = storeOrdersDocumentAs(service);
    try (OwnControlPlane own =
        OwnControlPlane.start(
            HeldRequests.recording(WHOAMI),
            "carol",
            WRITER_TOKEN,
            "writer",
            "--sluice.security.open-reads=true")) {
      // signed in without a click or a key: a page the user never touched may be left without
      // the browser's "leave site?" prompt, edits or not
      browser.get(own.url("/"));
      js(
          "sessionStorage.setItem('sluice.token', arguments[0]);"
              + " history.replaceState(null, '', arguments[1]);",
          WRITER_TOKEN,
          "#/service/" + service + "/rules");
      browser.navigate().refresh();
      awaitRole("writer");
      awaitText(By.id("live"), "Live");
      WebElement editor = editTheDefaultRatio();

      setTheTabsTokenAndClick("a-token-the-control-plane-no-longer-has", By.id("tab-history"));
      awaitText(By.id("sign-in-error"), "unsaved edits to the rules of " + service + " are kept");
      click(By.cssSelector("[data-test=read-without-token]"));
      awaitRole("reader");
      js("location.hash = '#/';");
      awaitText(By.cssSelector("#crumbs [aria-current=page]"), "Services");
      click(By.id("sign-out"));
      waitFor(By.id("token"));
      assertThat(js("return sessionStorage.getItem('sluice.drafts');")).isNotNull();

      signIn(WRITER_TOKEN);
      awaitRole("writer");
      js("location.hash = arguments[0];", "#/service/" + service + "/rules");
      awaitText(
          By.cssSelector("[data-test=draft-restored]"),
          "Your unsaved edits from before the sign-in in another page of this tab are back in the"
              + " editor (they started"
              + " from revision "
              + revision);
      WebElement restored = waitFor(By.id("rules-editor"));
      assertThat(restored.getAttribute("value")).contains("\"defaultRatio\": 0.4");
      click(By.cssSelector("[data-test=discard]"));
      click(By.cssSelector("dialog [data-test=confirm]"));
      await().atMost(BOUND).until(() -> !beforeUnloadIsRefused());
    }
  }

  /** Leaves the page for another site's, does {@code meanwhile}, and goes back to it. */
  private static void leaveAndComeBack(Runnable meanwhile) {
    js(
        "window.__restored = false;"
            + " window.addEventListener('pageshow', e => { window.__restored = e.persisted; });");
    browser.get(baseUrl() + "/?elsewhere#/");
    meanwhile.run();
    browser.navigate().back();
    await("the page is back from the back-forward cache")
        .atMost(BOUND)
        .until(() -> Boolean.TRUE.equals(js("return window.__restored === true")));
  }

  /**
   * A service page opened from now on in this document re-reads its rules and agents every 1.5 s
   * rather than every 15 s: a test that waits for the page's next try does not wait out its timer.
   * Undone by {@link #rereadAsUsual}; a page's timer set meanwhile keeps its period until the page
   * closes.
   */
  private static void rereadSoon() {
    js(
        "const every = window.__every = window.__every || window.setInterval;"
            + " window.setInterval = (f, ms, ...a) => every(f, ms === 15000 ? 1500 : ms, ...a);");
  }

  /** Undoes {@link #rereadSoon}. */
  private static void rereadAsUsual() {
    js("if (window.__every) { window.setInterval = window.__every; delete window.__every; }");
  }

  /**
   * Runs {@code load}, which loads the app as a new document, with that document checking the
   * control plane's health (and ageing its relative times) every second rather than every 5 s: a
   * test waits for what the next check shows, not for the page's timer. Documents loaded later
   * check as usual.
   */
  private static void withHealthCheckedEverySecond(Runnable load) {
    withTimersSooner("ms === 5000 ? 1000 : ms", load);
  }

  /**
   * As {@link #withHealthCheckedEverySecond}, a service page of that document also re-reading its
   * rules and agents every 1.5 s rather than every 15 s, as after {@link #rereadSoon}: a test that
   * waits for the page's re-reads does not wait out their timer.
   */
  private static void withHealthCheckedEverySecondAndRereadSoon(Runnable load) {
    withTimersSooner("ms === 5000 ? 1000 : ms === 15000 ? 1500 : ms", load);
  }

  /**
   * Runs {@code load}, which loads the app as a new document, with that document's intervals of
   * {@code ms} milliseconds set to {@code period}, a JavaScript expression of {@code ms}.
   */
  private static void withTimersSooner(String period, Runnable load) {
    Object script =
        browser
            .executeCdpCommand(
                "Page.addScriptToEvaluateOnNewDocument",
                Map.of(
                    "source",
                    "const every = window.setInterval; window.setInterval ="
                        + " (f, ms, ...a) => every(f, "
                        + period
                        + ", ...a);"))
            .get("identifier");
    try {
      load.run();
    } finally {
      browser.executeCdpCommand(
          "Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", script));
    }
  }

  /** The page's API calls are never answered, except its event stream's. */
  private static void holdApiCallsButTheEventStream() {
    js(
        "window.__unheld = window.fetch; window.fetch = (...a) =>"
            + " /api\\/v1\\//.test(String(a[0])) && !/api\\/v1\\/events/.test(String(a[0]))"
            + " ? new Promise(() => {}) : window.__unheld(...a);");
  }

  /**
   * A control plane of the test's own where alice signs in as a writer with {@link #WRITER_TOKEN},
   * its event stream requests recorded, started with the settings {@code flags}.
   */
  private static OwnControlPlane ownWriterControlPlane(String... flags) {
    return OwnControlPlane.start(
        HeldRequests.recording(EVENTS), "alice", WRITER_TOKEN, "writer", flags);
  }

  /**
   * A control plane of a test's own on one port (the page's origin), on the class's etcd, with one
   * token and {@link HeldRequests} in front of it, which the test restarts with other tokens or
   * settings, as an operator would. Closing it leaves the browser on the class's control plane and
   * closes every one started.
   */
  private static final class OwnControlPlane implements AutoCloseable {
    /** Its port, held while it restarts: see {@link HeldPort}. */
    private final HeldPort held;

    private final int port;
    private final List<ConfigurableApplicationContext> started = new ArrayList<>();

    private OwnControlPlane(HeldPort held) {
      this.held = held;
      this.port = held.port();
    }

    static OwnControlPlane start(
        HeldRequests requests, String name, String token, String role, String... more) {
      OwnControlPlane own = new OwnControlPlane(HeldPort.any());
      try {
        own.started.add(controlPlaneAt(own.port, requests, name, token, role, more));
      } catch (RuntimeException e) {
        own.held.close();
        throw e;
      }
      return own;
    }

    /** Closes the running one and starts it again with {@code requests} and one other token. */
    void restart(HeldRequests requests, String name, String token, String role, String... more) {
      started.get(started.size() - 1).close();
      started.add(controlPlaneAt(port, requests, name, token, role, more));
    }

    /** {@link #restart} with whoami requests recorded. */
    void restartAs(String name, String token, String role) {
      restart(HeldRequests.recording(WHOAMI), name, token, role);
    }

    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    /**
     * Saves the page it left as {@code target/screenshots/own-control-plane-left.png} (the last
     * test's to close one: a failed test's own screenshot shows the class's page, taken after this
     * one), then leaves the browser on the class's control plane, closes every one started and lets
     * the port go, each whatever the others did (a browser that failed to load the page left every
     * control plane started running, its etcd watches and Tomcat threads, for the rest of the
     * class); the first failure is thrown, the others suppressed in it.
     */
    @Override
    public void close() {
      RuntimeException failed = null;
      try {
        // the failure screenshot is taken after this: keep the page this control plane served
        screenshots.save("own-control-plane-left");
      } catch (RuntimeException e) { // an open alert, a browser gone: the failure says more
        System.out.println("[ui] no screenshot of the own control plane's page: " + e);
      }
      try {
        browser.get(baseUrl() + "/");
      } catch (RuntimeException e) {
        failed = e;
      }
      for (ConfigurableApplicationContext context : started) {
        try {
          context.close();
        } catch (RuntimeException e) {
          failed = firstOf(failed, e);
        }
      }
      held.close();
      if (failed != null) {
        throw failed;
      }
    }

    private static RuntimeException firstOf(RuntimeException first, RuntimeException next) {
      if (first == null) {
        return next;
      }
      first.addSuppressed(next);
      return first;
    }
  }

  /**
   * A control plane of the test's own on {@code port}, on the class's etcd, with one token and
   * {@code requests} in front of it: the test restarts it on the same port (the page's origin) with
   * other tokens, as an operator would.
   */
  private static ConfigurableApplicationContext controlPlaneAt(
      int port, HeldRequests requests, String name, String token, String role, String... more) {
    ApplicationContextInitializer<ConfigurableApplicationContext> filter =
        context ->
            ((GenericApplicationContext) context).registerBean(HeldRequests.class, () -> requests);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=" + port,
                "--server.address=127.0.0.1",
                "--server.tomcat.basedir=" + TomcatBaseDirs.next(),
                "--server.shutdown=immediate",
                "--sluice.etcd.endpoints=" + etcd.endpoint(),
                "--sluice.security.tokens." + name + ".token=" + token,
                "--sluice.security.tokens." + name + ".role=" + role));
    args.addAll(List.of(more));
    return new SpringApplicationBuilder(ControlPlaneApplication.class)
        .initializers(filter)
        .run(args.toArray(String[]::new));
  }

  /** Leaves the app for a fresh load of it, does {@code there} on that one, and goes back. */
  private static void leaveForAFreshLoadAndComeBack(Runnable there) {
    js(
        "window.__restored = false;"
            + " window.addEventListener('pageshow', e => { window.__restored = e.persisted; });");
    browser.get(baseUrl() + "/?elsewhere#/");
    awaitText(By.id("live"), "Live");
    there.run();
    browser.navigate().back();
    await("the page is back from the back-forward cache")
        .atMost(BOUND)
        .until(() -> Boolean.TRUE.equals(js("return window.__restored === true")));
  }

  /**
   * Only the showing page's event stream is open on the control plane (left pages closed theirs).
   */
  private static void awaitOneEventStream() {
    await("one event stream open on the control plane")
        .atMost(Duration.ofSeconds(8))
        .until(() -> OpenEventStreams.in(controlPlane), n -> n == 1);
  }

  @Test
  void anEtcdOutageMarksThePageStaleUntilEtcdIsBack() {
    String service = "outage";
    long revision = storeOrdersDocumentAs(service);
    // an agent one revision behind, which the control plane lists from its memory meanwhile
    String behind = "/sluice/v1/agents/" + service + "/behind-in-outage";
    etcd.server().put(behind, statusOf(service, "behind-in-outage", revision - 1));
    // and one of a service whose name can have no document of its own (it runs _default)
    String defaultOnly = "/sluice/v1/agents/" + DEFAULT_ONLY_IN_OUTAGE + "/on-default";
    etcd.server().put(defaultOnly, statusOf(DEFAULT_ONLY_IN_OUTAGE, "on-default", revision));
    try {
      withHealthCheckedEverySecond(
          () -> openAfresh(WRITER_TOKEN, "/service/" + service + "/agents"));
      awaitText(
          By.cssSelector("tr[data-instance='behind-in-outage'] [data-test=agent-status]"),
          "behind");
      outageMarksThePageStale(service);
    } finally {
      etcd.server().delete(behind);
      etcd.server().delete(defaultOnly);
    }
    // the next test gets a page that checks its health as usual (a failed test's page is
    // reloaded by DirtyPageReset)
    openAfresh(WRITER_TOKEN, "/");
  }

  /**
   * Through an etcd outage the agents are still listed (from the control plane's memory) but their
   * rollout cannot be read: a service running {@code _default} keeps the rollout it last read,
   * instead of calling every agent applied against no revision and its rules the built-in defaults.
   */
  @Test
  void anEtcdOutageKeepsTheRolloutOfAServiceRunningDefaultAsLastRead() {
    long defaultRevision = storeOrdersDocumentAs("_default");
    String service = "fallback-outage";
    String applied = "/sluice/v1/agents/" + service + "/on-default";
    String behind = "/sluice/v1/agents/" + service + "/one-behind";
    etcd.server().put(applied, statusOf(service, "on-default", defaultRevision));
    etcd.server().put(behind, statusOf(service, "one-behind", defaultRevision - 1));
    try {
      // the page re-reads the rollout every 1.5 s, not 15 s: the two failed reads below come
      // within seconds of the outage, not half a minute
      withHealthCheckedEverySecondAndRereadSoon(
          () -> openAfresh(WRITER_TOKEN, "/service/" + service + "/agents"));
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/2");
      awaitText(
          By.cssSelector("tr[data-instance='one-behind'] [data-test=agent-status]"), "behind");
      awaitText(
          By.cssSelector("[data-test=current-revision]"), "_default revision " + defaultRevision);
      awaitText(By.id("live"), "Live");
      // counts the page's rollout reads that etcd's absence fails: the second one comes only after
      // the page drew what the first one (and its agents' read) left it with
      js(
          "window.__rolloutFailures = 0; const read = window.fetch;"
              + " const failed = (a) => { if (String(a[0]).includes('/rollout'))"
              + " window.__rolloutFailures++; };"
              + " window.fetch = (...a) => read(...a).then("
              + " (r) => { if (!r.ok) failed(a); return r; }, (e) => { failed(a); throw e; });");
      etcd.server().stop();
      try {
        awaitText(By.id("live"), "Stale");
        await("two rollout reads failed while etcd is away")
            .atMost(Duration.ofSeconds(60))
            .until(() -> ((Number) js("return window.__rolloutFailures;")).intValue() >= 2);
        assertThat(
                browser.findElement(By.cssSelector(".service-head [data-test=rollout]")).getText())
            .isEqualTo("1/2");
        assertThat(
                browser
                    .findElement(
                        By.cssSelector("tr[data-instance='one-behind'] [data-test=agent-status]"))
                    .getText())
            .isEqualTo("behind");
        assertThat(browser.findElement(By.cssSelector("[data-test=current-revision]")).getText())
            .contains("_default revision " + defaultRevision)
            .doesNotContain("built-in defaults");
      } finally {
        etcd.server().start();
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> browser.findElement(By.id("live")).getText().equals("Live"));
    } finally {
      etcd.server().delete(applied);
      etcd.server().delete(behind);
      // the next test gets a page that checks its health as usual, with the fetch it had
      openAfresh(WRITER_TOKEN, "/");
    }
  }

  /** A status of {@code service}'s agent {@code instance}, written now, at {@code revision}. */
  private static String statusOf(String service, String instance, long revision) {
    return statusOf(service, instance, "etcd", revision);
  }

  /** As {@link #statusOf(String, String, long)}, its rules from {@code rulesSource}. */
  private static String statusOf(
      String service, String instance, String rulesSource, long revision) {
    return statusOf(
        service,
        instance,
        rulesSource,
        revision,
        new AgentStatus.Versions("0.1.0", "1.65.0", "17"));
  }

  /** As {@link #statusOf(String, String, String, long)}, reporting {@code versions}. */
  private static String statusOf(
      String service,
      String instance,
      String rulesSource,
      long revision,
      AgentStatus.Versions versions) {
    return AgentStatusCodec.write(
        new AgentStatus(
            instance,
            service,
            instance + "-host",
            7,
            versions,
            Instant.now(),
            Instant.now(),
            rulesSource,
            revision,
            null,
            List.of(),
            List.of()));
  }

  /**
   * An agent status the control plane cannot read is left out of every count and list: the overview
   * says how many are missing, also for a service whose only status is unreadable, and so do the
   * service's rollout and its Agents tab (which listed the readable agents alone, unexplained).
   */
  @Test
  void theOverviewCountsAgentStatusesThatCannotBeRead() throws Exception {
    String service = "unreadable-statuses";
    String alone = "unreadable-only";
    long revision = storeOrdersDocumentAs(service);
    String good = "/sluice/v1/agents/" + service + "/fine-1";
    String bad = "/sluice/v1/agents/" + service + "/broken-1";
    String onlyBad = "/sluice/v1/agents/" + alone + "/broken-2";
    etcd.server().put(good, statusOf(service, "fine-1", revision));
    etcd.server().put(bad, "{\"instanceId\": \"broken-1\"}");
    etcd.server().put(onlyBad, "not a status");
    try {
      open(WRITER_TOKEN, "/");
      String row = "tr[data-service='" + service + "'] ";
      awaitText(By.cssSelector(row + "[data-test=rollout]"), "1/1");
      awaitText(By.cssSelector(row + "[data-test=unreadable-agents]"), "+1 unreadable");
      awaitText(
          By.cssSelector("tr[data-service='" + alone + "'] [data-test=unreadable-agents]"),
          "+1 unreadable");

      JsonNode services =
          new ObjectMapper()
              .readTree(api("GET", "/api/v1/services", READER_TOKEN, null, Map.of()).body());
      Map<String, Integer> unreadable = new HashMap<>();
      services.forEach(
          s -> unreadable.put(s.get("service").asText(), s.get("unreadableAgents").asInt()));
      assertThat(unreadable).containsEntry(service, 1).containsEntry(alone, 1);
      // the rollout a script reads says it too, and the service's Agents tab
      assertThat(
              new ObjectMapper()
                  .readTree(
                      api(
                              "GET",
                              "/api/v1/services/" + service + "/rollout",
                              READER_TOKEN,
                              null,
                              Map.of())
                          .body())
                  .get("unreadableAgents")
                  .asInt())
          .isEqualTo(1);
      open(WRITER_TOKEN, "/service/" + service + "/agents");
      By tabNote = By.cssSelector("#panel-agents [data-test=unreadable-agents]");
      awaitText(tabNote, "1 more agent status cannot be read");
      // the page's header says it beside its rollout bar, as the overview's row does
      By headChip = By.cssSelector(".service-head [data-test=unreadable-agents]");
      awaitText(headChip, "+1 unreadable");
      assertThat(browser.findElement(By.cssSelector(".service-head [data-test=rollout]")).getText())
          .contains("1/1");
      assertThat(browser.findElements(By.cssSelector("#panel-agents tr[data-instance]")))
          .hasSize(1);
      // a service whose only status is unreadable: that one is all there is, not one "more"
      open(WRITER_TOKEN, "/service/" + alone + "/agents");
      awaitText(tabNote, "1 agent status cannot be read");
      open(WRITER_TOKEN, "/service/" + service + "/agents");
      awaitText(tabNote, "1 more agent status cannot be read");

      etcd.server().put(bad, statusOf(service, "broken-1", revision));
      await()
          .atMost(BOUND)
          .alias("readable again: listed, and no longer said unreadable on the Agents tab")
          .ignoreExceptions()
          .until(
              () ->
                  browser.findElements(By.cssSelector("#panel-agents tr[data-instance]")).size()
                          == 2
                      && !browser.findElement(tabNote).isDisplayed()
                      && !browser.findElement(headChip).isDisplayed());
      open(WRITER_TOKEN, "/");
      awaitText(By.cssSelector(row + "[data-test=rollout]"), "2/2");
      await()
          .atMost(BOUND)
          .alias("readable again: no longer counted as unreadable")
          .until(
              () ->
                  !browser
                      .findElement(By.cssSelector(row + "[data-test=unreadable-agents]"))
                      .isDisplayed());
    } finally {
      etcd.server().delete(good);
      etcd.server().delete(bad);
      etcd.server().delete(onlyBad);
    }
  }

  /**
   * The overview's counts come with the services list: it does not read the whole agent list (every
   * agent's breakers and targets, megabytes for a fleet of hundreds) at each refresh as well.
   */
  @Test
  void theOverviewCountsAgentsWithoutReadingEveryAgentsStatus() {
    String service = "fleet-overview";
    long revision = storeOrdersDocumentAs(service);
    String key = "/sluice/v1/agents/" + service + "/fleet-1";
    etcd.server().put(key, statusOf(service, "fleet-1", revision));
    try {
      open(WRITER_TOKEN, "/");
      By rollout = By.cssSelector("tr[data-service='" + service + "'] [data-test=rollout]");
      awaitText(rollout, "1/1");
      js(
          "window.__agentReads = 0; window.__uncounted = window.fetch;"
              + " window.fetch = (...a) => { if (String(a[0]).includes('api/v1/agents'))"
              + " window.__agentReads++; return window.__uncounted(...a); };");
      long eventRefreshes = overviewEventRefreshes();
      long next = storeAs(WRITER_TOKEN, service, documentFor(service, 0.5));
      await("the overview refreshed after the change event")
          .atMost(BOUND)
          .ignoreExceptions()
          .until(() -> overviewEventRefreshes() > eventRefreshes);
      awaitText(
          By.cssSelector("tr[data-service='" + service + "'] [data-test=revision]"),
          String.valueOf(next));
      // the agent still runs the revision before: counted as not on the current one
      awaitText(rollout, "0/1");
      assertThat(((Number) js("return window.__agentReads;")).intValue()).isZero();
    } finally {
      js("if (window.__uncounted) window.fetch = window.__uncounted;");
      etcd.server().delete(key);
    }
  }

  /**
   * A browser whose clock is minutes ahead (a laptop off the network's time) measures how long ago
   * an agent reported on the control plane's clock, from its answers' Date header: an agent that
   * just reported is neither "4 min ago" nor marked stale.
   */
  @Test
  void anAgentThatJustReportedIsFreshOnABrowserWhoseClockIsAhead() {
    String service = "clock-ahead";
    long revision = storeOrdersDocumentAs(service);
    String key = "/sluice/v1/agents/" + service + "/fresh-1";
    etcd.server().put(key, statusOf(service, "fresh-1", revision));
    Object shiftedClock =
        browser
            .executeCdpCommand(
                "Page.addScriptToEvaluateOnNewDocument",
                Map.of(
                    "source",
                    "const RealDate = Date; const ahead = 4 * 60 * 1000;"
                        + " window.Date = class extends RealDate {"
                        + " constructor(...a) { if (a.length) super(...a);"
                        + " else super(RealDate.now() + ahead); }"
                        + " static now() { return RealDate.now() + ahead; } };"))
            .get("identifier");
    try {
      openAfresh(WRITER_TOKEN, "/service/" + service + "/agents");
      assertThat((Number) js("return Date.now() - performance.timeOrigin - performance.now();"))
          .as("the browser's clock is ahead")
          .satisfies(ms -> assertThat(ms.doubleValue()).isGreaterThan(200_000));
      String row = "tr[data-instance='fresh-1'] ";
      awaitText(By.cssSelector(row + "[data-test=agent-status]"), "applied");
      assertThat(browser.findElements(By.cssSelector(row + "[data-test=stale]"))).isEmpty();
      assertThat(browser.findElement(By.cssSelector(row + "time")).getText())
          .matches("just now|\\d+ s ago");
    } finally {
      browser.executeCdpCommand(
          "Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", shiftedClock));
      etcd.server().delete(key);
      // the next test gets a page on the browser's own clock
      openAfresh(WRITER_TOKEN, "/");
    }
  }

  /**
   * An agent whose rules come from elsewhere than etcd says so in its row: one on its
   * last-known-good snapshot follows no change saved here until it reads etcd, which "behind" alone
   * does not tell. One on a local rules file never follows one: it is "rules file", not behind, and
   * the rollout bar leaves it out (before: "behind" forever, and a bar that never filled); the
   * header and the overview's row say it beside the bar, and say an agent above the current
   * revision as "ahead" (the overview did not show those at all).
   */
  @Test
  void anAgentRunningRulesFromElsewhereThanEtcdSaysWhere() {
    String service = "rules-elsewhere";
    long revision = storeOrdersDocumentAs(service);
    String prefix = "/sluice/v1/agents/" + service + "/";
    etcd.server().put(prefix + "on-etcd", statusOf(service, "on-etcd", "etcd", revision));
    etcd.server().put(prefix + "on-disk", statusOf(service, "on-disk", "last-known-good", 1));
    etcd.server().put(prefix + "on-file", statusOf(service, "on-file", "file", 0));
    // on a document etcd lost to a restore from an older backup
    etcd.server().put(prefix + "kept", statusOf(service, "kept", "etcd", revision + 1000));
    try {
      open(WRITER_TOKEN, "/service/" + service + "/agents");
      awaitText(By.cssSelector(".service-head [data-test=rollout]"), "1/3");
      awaitText(
          By.cssSelector(".service-head [data-test=agents-on-rules-file]"), "1 on a rules file");
      awaitText(By.cssSelector(".service-head [data-test=agents-ahead]"), "1 ahead");
      String onDisk = "tr[data-instance='on-disk'] ";
      awaitText(By.cssSelector(onDisk + "[data-test=agent-status]"), "behind");
      awaitText(By.cssSelector(onDisk + "[data-test=rules-source]"), "rules: last-known-good");
      assertThat(
              browser
                  .findElement(By.cssSelector(onDisk + "[data-test=rules-source]"))
                  .getAttribute("title"))
          .contains("has applied no rules from etcd since it started");
      By onFile = By.cssSelector("tr[data-instance='on-file'] [data-test=agent-status]");
      awaitText(onFile, "rules file");
      assertThat(browser.findElement(onFile).getAttribute("title"))
          .contains("local rules file")
          .contains("follows no change saved here");
      // the status says it already: no second chip saying "rules: file"
      assertThat(browser.findElements(By.cssSelector("tr[data-instance='on-file'] .chip")))
          .extracting(WebElement::getText)
          .containsExactly("rules file");
      screenshots.save("12-agents-rules-elsewhere");
      awaitText(By.cssSelector("tr[data-instance='on-etcd'] [data-test=agent-status]"), "applied");
      assertThat(browser.findElements(By.cssSelector("tr[data-instance='on-etcd'] .chip")))
          .extracting(WebElement::getText)
          .containsExactly("applied");

      open(WRITER_TOKEN, "/");
      String row = "tr[data-service='" + service + "'] ";
      awaitText(By.cssSelector(row + "[data-test=rollout]"), "1/3");
      awaitText(By.cssSelector(row + "[data-test=agents-ahead]"), "1 ahead");
      awaitText(By.cssSelector(row + "[data-test=agents-on-rules-file]"), "1 on a rules file");
      assertThat(
              browser
                  .findElement(By.cssSelector(row + "[data-test=agents-ahead]"))
                  .getAttribute("title"))
          .contains("above the current one");
      screenshots.save("02b-overview-ahead-and-rules-file");
    } finally {
      etcd.server().delete(prefix + "on-etcd");
      etcd.server().delete(prefix + "on-disk");
      etcd.server().delete(prefix + "on-file");
      etcd.server().delete(prefix + "kept");
    }
  }

  /**
   * The model judges agents as the server's rollout does when it has no rollout to go by: an agent
   * on a rules file is on it whatever revision it reports (0 against the built-in defaults' 0 too),
   * and a rejection of a revision above the current one (kept through a restore of etcd from an
   * older backup) is no rejection of the current document.
   */
  @Test
  void judgesAnAgentOnARulesFileAndARejectionOfALostDocumentAsTheServerDoes() {
    open(WRITER_TOKEN, "/");
    Object judged =
        asyncJs(
            "const done = arguments[0]; import('/js/model.js').then(m => done(["
                + " m.agentView({ instanceId: 'a', service: 'x', rulesSource: 'file',"
                + " appliedRevision: 0 }, 0).status,"
                + " m.agentView({ instanceId: 'b', service: 'x', rulesSource: 'file',"
                + " appliedRevision: 0 }, 7).status,"
                + " m.agentView({ instanceId: 'c', service: 'x', appliedRevision: 500,"
                + " rejected: { revision: 600, errors: ['$.a: bad'] } }, 100).status,"
                + " m.agentView({ instanceId: 'd', service: 'x', appliedRevision: 90,"
                + " rejected: { revision: 600, errors: ['$.a: bad'] } }, 100).status,"
                + " m.agentView({ instanceId: 'e', service: 'x', rulesSource: 'defaults',"
                + " appliedRevision: 0 }, 7).status].join('|')))"
                + ".catch(e => done('failed: ' + e));");
    assertThat(judged).isEqualTo("rules file|rules file|ahead|behind|behind");
  }

  /** A service name with a space: it can have no rule document of its own, and runs _default. */
  private static final String DEFAULT_ONLY_IN_OUTAGE = "web shop";

  private void outageMarksThePageStale(String service) {
    awaitText(By.id("live"), "Live");
    etcd.server().stop();
    try {
      awaitText(By.id("live"), "Stale");
      assertThat(browser.findElement(By.id("live")).getAttribute("data-state")).isEqualTo("stale");
      assertThat(browser.findElement(By.id("live")).getText()).contains("etcd");
      screenshots.save("13-etcd-outage-stale");
      // a page opened now cannot read its rules: it says so, and does not claim there are none
      browser.get(baseUrl() + "/#/");
      browser.get(baseUrl() + "/#/service/" + service + "/rules");
      awaitText(By.cssSelector("[data-test=load-error]"), "Could not load the rules");
      assertThat(browser.findElement(By.cssSelector("[data-test=current-revision]")).getText())
          .isEqualTo("—");
      // nor that its agents run them: with neither the rules nor their rollout read, the agents
      // listed from the control plane's memory were each "applied" against no revision, and the
      // rollout complete
      click(By.id("tab-agents"));
      awaitText(
          By.cssSelector("tr[data-instance='behind-in-outage'] [data-test=agent-status]"),
          "unknown");
      assertThat(browser.findElement(By.cssSelector(".service-head [data-test=rollout]")).getText())
          .isEqualTo("—");
      // nor for a service that can have no document of its own, whose rules answer 404 without
      // reading etcd: its agents were each "applied" against no revision, the rollout complete
      browser.get(baseUrl() + "/#/");
      browser.get(
          baseUrl() + "/#/service/" + DEFAULT_ONLY_IN_OUTAGE.replace(" ", "%20") + "/agents");
      awaitText(
          By.cssSelector("tr[data-instance='on-default'] [data-test=agent-status]"), "unknown");
      assertThat(browser.findElement(By.cssSelector(".service-head [data-test=rollout]")).getText())
          .isEqualTo("—");
      browser.get(baseUrl() + "/#/");
      browser.get(baseUrl() + "/#/service/" + service + "/rules");
      click(By.id("tab-rules"));
    } finally {
      etcd.server().start();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> browser.findElement(By.id("live")).getText().equals("Live"));
    // and reads them once etcd is back, without a reload
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(Duration.ofSeconds(20))
        .alias("the rules load once etcd is back")
        .until(() -> editor.getAttribute("value").contains("drop-health"));
    assertThat(currentRevisionShown()).isPositive();
    assertThat(browser.findElement(By.cssSelector("[data-test=load-error]")).getText()).isEmpty();
  }

  /**
   * Behind a path-routing reverse proxy the control plane runs under {@code
   * server.servlet.context-path}: the UI it serves at {@code /sluice/} finds its modules, its API,
   * its event stream and the health it shows there, as every URL the page uses is relative to it.
   * The overview lists a service written through the API, and a save made in the editor is what the
   * API then reads, and what the page shows after a reload. The control plane stays up until the
   * class ends, so the page is still there for {@link DirtyPageReset} should this fail.
   */
  @Test
  void worksUnderAServletContextPath() {
    prefixedControlPlane =
        new SpringApplicationBuilder(ControlPlaneApplication.class)
            .run(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--server.tomcat.basedir=" + TomcatBaseDirs.next(),
                "--server.servlet.context-path=/sluice",
                "--sluice.etcd.endpoints=" + etcd.endpoint(),
                "--sluice.security.tokens.alice.token=" + WRITER_TOKEN,
                "--sluice.security.tokens.alice.role=writer");
    String base =
        "http://127.0.0.1:"
            + ((WebServerApplicationContext) prefixedControlPlane).getWebServer().getPort()
            + "/sluice";
    String rules = "/api/v1/services/behind-proxy/rules";
    String document =
        ordersDocument(0.0).replace("\"service\": \"orders\"", "\"service\": \"behind-proxy\"");
    HttpResponse<String> created = apiAt(base, "PUT", rules, WRITER_TOKEN, document, Map.of());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    long revision = revisionOf(created);

    browser.get(base + "/");
    signIn(WRITER_TOKEN);
    awaitRole("writer");
    awaitText(
        By.cssSelector("tr[data-service='behind-proxy'] [data-test=revision]"),
        String.valueOf(revision));
    // the event stream is open, and the health the page reads is UP
    awaitText(By.id("live"), "Live");
    screenshots.save("14-under-a-context-path");

    click(By.cssSelector("tr[data-service='behind-proxy'] a.service-link"));
    WebElement editor = waitFor(By.id("rules-editor"));
    await()
        .atMost(BOUND)
        .until(() -> editor.getAttribute("value").contains("\"name\": \"drop-health\""));
    awaitText(By.cssSelector("[data-test=schema-state]"), "Checked against the rule schema");
    type(editor, document.replace("\"ratio\": 0.0", "\"ratio\": 0.25"));
    awaitText(By.id("editor-status"), "No problems found.");
    browser.findElement(By.id("change-comment")).sendKeys("saved under /sluice");
    click(By.cssSelector("[data-test=review]"));
    waitFor(By.cssSelector("[data-test=diff]"));
    click(By.cssSelector("[data-test=save]"));
    awaitText(By.cssSelector("[data-test=saved]"), "Saved as revision");
    long saved = currentRevisionShown();
    assertThat(saved).isGreaterThan(revision);
    assertThat(browser.getCurrentUrl()).startsWith(base + "/#/service/behind-proxy");

    HttpResponse<String> stored = apiAt(base, "GET", rules, WRITER_TOKEN, null, Map.of());
    assertThat(stored.statusCode()).isEqualTo(200);
    assertThat(revisionOf(stored)).isEqualTo(saved);
    assertThat(stored.body()).contains("0.25");
    assertThat(apiAt(base, "GET", rules + "/history?limit=1", WRITER_TOKEN, null, Map.of()).body())
        .contains("saved under /sluice");

    browser.navigate().refresh();
    WebElement reloaded = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> reloaded.getAttribute("value").contains("\"ratio\": 0.25"));
    assertThat(currentRevisionShown()).isEqualTo(saved);
  }

  /** Console messages about Content-Security-Policy violations since the last call. */
  private static List<String> cspViolations() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(LogEntry::getMessage)
        .filter(message -> message.contains("Content Security Policy"))
        .toList();
  }

  private static List<String> ruleNames(JsonNode merged) {
    List<String> names = new ArrayList<>();
    merged.get("value").get("rules").forEach(rule -> names.add(rule.get("name").asText()));
    return names;
  }

  /** The UI's three-way merge of base, the user's and the other writer's document. */
  private static JsonNode merge3(String base, String mine, String theirs) throws Exception {
    Object result =
        asyncJs(
            "const [base, mine, theirs, done] = arguments;"
                + " import('/js/merge.js')"
                + " .then(m => done(JSON.stringify(m.merge3(JSON.parse(base), JSON.parse(mine),"
                + "   JSON.parse(theirs)))))"
                + " .catch(e => done('failed: ' + e));",
            base,
            mine,
            theirs);
    assertThat(String.valueOf(result)).doesNotStartWith("failed");
    return new ObjectMapper().readTree(String.valueOf(result));
  }

  /** The JSON paths the UI's validator reports for a document, run in the browser. */
  private static Set<String> clientErrorPaths(String document) {
    return new TreeSet<>(clientErrors(document, "e.path"));
  }

  /** The UI's validator's findings for a document, each as {@code path: message}, in order. */
  private static List<String> clientErrors(String document) {
    return clientErrors(document, "e.path + ': ' + e.message");
  }

  /** {@code shown}, a JS expression of a finding {@code e}, of each finding, run in the browser. */
  @SuppressWarnings("unchecked")
  private static List<String> clientErrors(String document, String shown) {
    Object found =
        asyncJs(
            "const [text, done] = arguments;"
                + " Promise.all([import('/js/schema.js'),"
                + "   fetch('/schema/sluice-rules.schema.json').then(r => r.json())])"
                + " .then(([m, schema]) => done(m.compileSchema(schema)(JSON.parse(text))"
                + "   .map(e => "
                + shown
                + ")))"
                + " .catch(e => done('failed: ' + e));",
            document);
    assertThat(found).as(String.valueOf(found)).isInstanceOf(List.class);
    return (List<String>) found;
  }

  // ---------------------------------------------------------------- helpers

  /** Refreshes of the overview that a change event prompted and that were drawn (counted by it). */
  private static long overviewEventRefreshes() {
    return Long.parseLong(
        browser
            .findElement(By.cssSelector("table.services"))
            .getDomAttribute("data-event-refreshes"));
  }

  /** Adds {@link EventStreamRequests} to the control plane. */
  private static void recordEventStreamRequests(ConfigurableApplicationContext context) {
    ((GenericApplicationContext) context)
        .registerBean(
            EventStreamRequests.class, () -> new EventStreamRequests(eventStreamRequests));
  }

  /**
   * Records, where the control plane receives it, how each request for the event stream carried its
   * credential: the browser's resource timing would list a stream only once it has ended. Spring
   * Boot puts a {@code Filter} bean in front of every path.
   */
  static final class EventStreamRequests extends OncePerRequestFilter {

    private final Queue<String> requests;

    EventStreamRequests(Queue<String> requests) {
      this.requests = requests;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      if (request.getRequestURI().equals("/api/v1/events")) {
        String authorization = request.getHeader("Authorization");
        requests.add(
            request.getMethod()
                + " "
                + request.getRequestURI()
                + (request.getQueryString() == null ? "" : "?" + request.getQueryString())
                + " authorization="
                + (authorization == null
                    ? "none"
                    : authorization.startsWith("Bearer ") ? "bearer" : "other"));
      }
      chain.doFilter(request, response);
    }
  }

  private static String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * Opens the app at {@code #hash} signed in with {@code token} (kept as the app keeps a sign-in,
   * in the tab's sessionStorage), whatever page and sign-in the tab had before. The tab's page is
   * reused when it is the app signed in so (the app routes to the hash, as after a link), which
   * saves a page load per test: every test leaves a clean page ({@link DirtyPageReset} reloads one
   * that is not); else, for the same hash, while toasts of the test before are shown (they stay
   * their time, stacked: a test would see them beside its own), and when its event stream is
   * stopped (a test dispatched {@code pagehide}: the page would hear no change events, only its
   * periodic re-reads), the app is loaded anew ({@link #openAfresh}).
   */
  private static void open(String token, String hash) {
    String url = baseUrl() + "/#" + hash;
    String current = browser.getCurrentUrl();
    boolean signedInSo =
        current.startsWith(baseUrl() + "/")
            && !current.equals(url)
            && (Boolean)
                js(
                    "return sessionStorage.getItem('sluice.token') === arguments[0]"
                        + " && document.querySelector('[data-test=role]') !== null"
                        + " && document.querySelector('#toast .toast-item') === null"
                        + " && ['live', 'stale', 'connecting', 'reconnecting']"
                        + ".includes(document.getElementById('live').dataset.state);",
                    token);
    if (signedInSo) {
      // The app draws the page for the new address in its hashchange listener, registered before
      // this one: once this one ran, what the test looks at is the new page, not the one before
      // (the test's first wait may look at once). An address of another document (a query of its
      // own) loads anew, without the mark.
      js(
          "window.__routed = false;"
              + " addEventListener('hashchange', () => { window.__routed = true; }, {once: true});");
      browser.get(url);
      await("the app routed to #" + hash)
          .atMost(BOUND)
          .until(() -> !Boolean.FALSE.equals(js("return window.__routed;")));
      awaitRole(token.equals(READER_TOKEN) ? "reader" : "writer");
    } else {
      openAfresh(token, hash);
    }
  }

  /** As {@link #open}, always in a new document: nothing of the page before stays. */
  private static void openAfresh(String token, String hash) {
    reload("sessionStorage.setItem('sluice.token', arguments[1]);", "#" + hash, token);
    awaitRole(token.equals(READER_TOKEN) ? "reader" : "writer");
  }

  /** Opens the app's sign-in page, with no sign-in kept from before. */
  private static void signedOut() {
    reload("sessionStorage.clear();", "#/", null);
    waitFor(By.id("token"));
  }

  /**
   * Loads the app at {@code hash} as a new document (nothing of the page before stays: a stubbed
   * fetch, a schema it could not load), after running {@code script} on the app's origin. The
   * address is replaced and the page reloaded rather than left for another one, so the tab's
   * history and back-forward cache do not grow with every test.
   */
  private static void reload(String script, String hash, String argument) {
    String app = baseUrl() + "/";
    if (!browser.getCurrentUrl().startsWith(app)) {
      browser.get(app);
    }
    js(script + " history.replaceState(null, '', arguments[0]);", hash, argument);
    browser.navigate().refresh();
  }

  /**
   * Waits for the rules editor to hold the stored orders document, then makes one unsaved edit (its
   * defaultRatio 0.1 becomes 0.4); answers the editor.
   */
  private static WebElement editTheDefaultRatio() {
    WebElement editor = waitFor(By.id("rules-editor"));
    await().atMost(BOUND).until(() -> editor.getAttribute("value").contains("drop-health"));
    type(
        editor,
        editor.getAttribute("value").replace("\"defaultRatio\": 0.1", "\"defaultRatio\": 0.4"));
    return editor;
  }

  /**
   * Opens {@code own}'s page at {@code path}, signs in with the writer token and waits for Live.
   */
  private static void signInLive(OwnControlPlane own, String path) {
    browser.get(own.url(path));
    signIn(WRITER_TOKEN);
    awaitRole("writer");
    awaitText(By.id("live"), "Live");
  }

  private static void signIn(String token) {
    WebElement input = waitFor(By.id("token"));
    input.clear();
    input.sendKeys(token);
    click(By.cssSelector("form.sign-in button[type=submit]"));
  }

  private static String ordersDocument(double healthRatio) {
    return """
        {
          "schemaVersion": 1,
          "service": "orders",
          "sampling": {
            "defaultRatio": 0.1,
            "respectParentDecision": true,
            "rules": [
              { "name": "drop-health", "match": { "spanName": "GET /health*" }, "ratio": %s },
              { "name": "checkout", "match": { "spanKind": "SERVER",
                  "attributes": { "http.request.method": "POST", "url.path": "/checkout/**" } },
                "ratio": 1.0, "maxPerSecond": 100 }
            ]
          },
          "breakers": [
            { "name": "payments",
              "match": { "host": "payments*", "port": 8080, "method": "POST", "path": "/pay/**" },
              "failureRateThreshold": 50,
              "slidingWindow": { "type": "COUNT", "size": 20 },
              "minimumCalls": 10,
              "waitInOpenState": "10s" }
          ]
        }
        """
        .formatted(healthRatio == 0.0 ? "0.0" : String.valueOf(healthRatio));
  }

  private static HttpResponse<String> api(
      String method, String path, String token, String body, Map<String, String> headers) {
    return apiAt(baseUrl(), method, path, token, body, headers);
  }

  /** Calls the control plane at {@code base} (its origin and context path). */
  private static HttpResponse<String> apiAt(
      String base,
      String method,
      String path,
      String token,
      String body,
      Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    }
  }

  /** The orders document, with this health ratio, as {@code service}'s. */
  private static String documentFor(String service, double healthRatio) {
    return ordersDocument(healthRatio)
        .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\"");
  }

  /**
   * Starts an agent of {@code service} (instance {@code <service>-1}) that runs its rules from etcd
   * and reports a closed breaker {@code payments} and three busy targets: {@code payments:8080}
   * (guarded by it), {@code payments-2:8080} (partly) and {@code inventory:8080} (not at all). It
   * stops after the test.
   */
  private static SdkAgent startAgent(String service) {
    return startAgent(service, () -> AGENT_TARGETS, null);
  }

  /** The busiest targets {@link #startAgent(String)}'s agents report. */
  private static final List<AgentStatus.TargetStats> AGENT_TARGETS =
      List.of(
          new AgentStatus.TargetStats("payments:8080", 1200, 12, 85.0, "payments", 0L, 0L),
          new AgentStatus.TargetStats("inventory:8080", 900, 40, 240.0, null),
          // POST /pay/** guarded, 60 GET calls a minute not
          new AgentStatus.TargetStats("payments-2:8080", 500, 5, 60.0, "payments", 60L, 3L));

  /**
   * As {@link #startAgent(String)}, reporting {@code targets} as they are at each report, every
   * {@code reportEvery} (the reporter's default 5 s when {@code null}).
   */
  private static SdkAgent startAgent(
      String service, Supplier<List<AgentStatus.TargetStats>> targets, Duration reportEvery) {
    Path state;
    try {
      state = Files.createDirectories(agentState.resolve(service));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SdkAgent agent =
        new SdkAgent(
            etcd.endpoint(),
            service,
            service + "-1",
            service + "-host-1",
            state,
            List.of(
                new AgentStatus.BreakerState("payments", "payments:8080", "CLOSED", 2.5, 0, false)),
            targets,
            reportEvery);
    testAgents.add(agent);
    agent.start();
    return agent;
  }

  /**
   * Makes the page's next GET of {@code path} (its query aside) wait for {@code
   * window.__late.release()}, with {@code window.__late.waiting} set once it is answered, and every
   * one after it fail ("made-up outage"), the 15 s polls' too, until {@code window.__late.unheld},
   * the page's own fetch, is put back.
   */
  private static void holdTheFirstReadAndFailTheRest(String path) {
    js(
        "const unheld = window.fetch;"
            + " const late = window.__late = { waiting: false, unheld };"
            + " let reads = 0;"
            + " window.fetch = (...a) => {"
            + "   if (String(a[0]).split('?')[0] !== arguments[0] || a[1]?.method !== 'GET')"
            + "     return unheld(...a);"
            + "   reads++;"
            + "   if (reads > 1) return Promise.reject(new TypeError('made-up outage'));"
            + "   return unheld(...a).then((r) => new Promise((go) => {"
            + "     late.waiting = true; late.release = () => go(r); }));"
            + " };",
        path);
  }

  /**
   * Makes the page's next fetch of {@code url} (a prefix) wait for {@code window.__next.release()},
   * with {@code window.__next.waiting} set once it is answered; every other fetch goes through.
   * {@code window.__next.unheld} is the page's own fetch, to put back.
   */
  private static void holdTheNextReadOf(String url) {
    js(
        "const unheld = window.fetch;"
            + " const next = window.__next = { waiting: false, unheld };"
            + " let first = true;"
            + " window.fetch = (...a) => {"
            + "   if (!String(a[0]).startsWith(arguments[0]) || !first) return unheld(...a);"
            + "   first = false;"
            + "   return unheld(...a).then((r) => new Promise((go) => {"
            + "     next.waiting = true; next.release = () => go(r); }));"
            + " };",
        url);
  }

  /**
   * Waits until every read that the element at {@code selector} counts (a {@code ReadOrder}'s node:
   * its data attribute {@code reads}) has ended (its {@code ended}).
   */
  private static void awaitEveryReadEnded(String selector) {
    awaitEveryReadEnded(selector, "ended", "reads");
  }

  /**
   * Waits until the data attribute {@code ended} of the element at {@code selector} has come up to
   * its {@code asked}.
   */
  private static void awaitEveryReadEnded(String selector, String ended, String asked) {
    await("every read counted on " + selector + " ended")
        .atMost(BOUND)
        .until(
            () ->
                (Boolean)
                    js(
                        "const d = document.querySelector(arguments[0]).dataset;"
                            + " return d[arguments[2]] != null && d[arguments[1]] === d[arguments[2]];",
                        selector,
                        ended,
                        asked));
  }

  /** Stores the orders document, with ratio 0, as {@code service}'s; answers its revision. */
  private static long storeOrdersDocumentAs(String service) {
    return storeOrdersDocumentAs(service, 0.0);
  }

  /** Stores the orders document, with this health ratio, as {@code service}'s. */
  private static long storeOrdersDocumentAs(String service, double healthRatio) {
    return storeAs(
        WRITER_TOKEN,
        service,
        ordersDocument(healthRatio)
            .replace("\"service\": \"orders\"", "\"service\": \"" + service + "\""));
  }

  /** Stores {@code document} as {@code service}'s rules with {@code token}; the new revision. */
  private static long storeAs(String token, String service, String document) {
    HttpResponse<String> stored =
        api("PUT", "/api/v1/services/" + service + "/rules", token, document, Map.of());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    return revisionOf(stored);
  }

  private static long revisionOf(HttpResponse<String> response) {
    String etag = response.headers().firstValue("ETag").orElseThrow();
    return Long.parseLong(etag.replaceAll("[^0-9]", ""));
  }

  private long currentRevisionShown() {
    String text = browser.findElement(By.cssSelector("[data-test=current-revision]")).getText();
    return text.matches("\\d+") ? Long.parseLong(text) : -1;
  }

  /** The data-test of the element that has the keyboard focus. */
  private static String focusedTest() {
    return browser.switchTo().activeElement().getAttribute("data-test");
  }

  /**
   * Whether the focused element is wholly in the window, below the sticky top bar, and neither a
   * live region nor inside one (a focused live region is read out twice).
   */
  private static String focusedIsInViewAndNoLiveRegion() {
    return (String)
        js(
            "const el = document.activeElement; const r = el.getBoundingClientRect();"
                + " const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;"
                + " const live = el.closest('[aria-live]:not([aria-live=off]), [role=status],"
                + " [role=alert], [role=log]');"
                + " const off = [];"
                // scroll positions are whole pixels, boxes are not: half a pixel is in view
                + " if (r.top < bar - 0.5)"
                + "   off.push(`top ${r.top} above the top bar's bottom ${bar}`);"
                + " if (r.bottom > innerHeight + 0.5)"
                + "   off.push(`bottom ${r.bottom} below the window's ${innerHeight}`);"
                + " if (live) off.push(`in a live region: ${live.outerHTML.slice(0, 120)}`);"
                + " return off.join('; ') || 'in view, in no live region';");
  }

  /** Replaces the editor's text the way typing does: the value changes and input fires. */
  private static void type(WebElement textarea, String text) {
    js(
        "arguments[0].focus(); arguments[0].value = arguments[1];"
            + " arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        textarea,
        text);
  }

  /**
   * Runs {@code steps} with the page's clock (performance.now) standing still: words a live region
   * keeps beside later ones go once they have been heard (dom.js HELD_MS, a second by that clock),
   * and steps that read them after the later ones were said must find them however slow the
   * machine.
   */
  private static void withThePagesClockStill(Runnable steps) {
    js("const at = performance.now(); performance.now = () => at;");
    try {
      steps.run();
    } finally {
      js("delete performance.now;");
    }
  }

  /**
   * From now on, notes what the live region {@code announce-<region>} holds after each change to it
   * (see {@link #heldByTheRegion}): words said in one task are read out together, and the earlier
   * ones leave the region a moment later, which a test reading it afterwards can miss.
   */
  private static void recordWhatTheRegionHolds(String region) {
    js(
        "const r = document.getElementById('announce-' + arguments[0]);"
            + " window.__held = window.__held || {}; const held = window.__held[arguments[0]] = [];"
            + " new MutationObserver(() => held.push(r.textContent))"
            + "   .observe(r, {childList: true, subtree: true, characterData: true});",
        region);
  }

  /** What the region held after each change since {@link #recordWhatTheRegionHolds}. */
  @SuppressWarnings("unchecked")
  private static List<String> heldByTheRegion(String region) {
    return (List<String>) js("return window.__held[arguments[0]];", region);
  }

  /**
   * What the page's polite ({@code "status"}) or assertive ({@code "alert"}) live region reads out
   * now; null when the page has no such region.
   */
  private static String announced(String region) {
    return (String)
        js(
            "const r = document.getElementById('announce-' + arguments[0]);"
                + " return r ? r.textContent : null;",
            region);
  }

  /**
   * How many of the page's live regions that are not hidden (the notices' polite and assertive
   * ones, the toast, any other) hold {@code text} now: a screen reader reads it out as many times.
   */
  private static long liveRegionsSaying(String text) {
    return (Long)
        js(
            "return [...document.querySelectorAll('[aria-live]:not([aria-live=off]), [role=status],"
                + " [role=alert], [role=log]')]"
                + " .filter(r => !r.closest('[hidden]') && r.textContent.includes(arguments[0]))"
                + " .filter(r => !document.querySelector('dialog:modal')"
                + "   || document.querySelector('dialog:modal').contains(r))"
                + " .length;",
            text);
  }

  /** Whether the page asks before a reload or closing the tab (its beforeunload handler). */
  private static boolean beforeUnloadIsRefused() {
    return (Boolean)
        js(
            "const e = new Event('beforeunload', {cancelable: true});"
                + " window.dispatchEvent(e); return e.defaultPrevented;");
  }

  private static String selectedText(WebElement textarea) {
    return (String)
        js(
            "const t = arguments[0]; return t.value.substring(t.selectionStart, t.selectionEnd);",
            textarea);
  }

  /**
   * Sets the tab's token as another page of the tab would ({@code null}: signs it out) and clicks
   * {@code locator} in the same script, so that what the click sends is the page's first call under
   * the changed session. Set by one script and clicked by the next, a read of the page's own in
   * between (its refresh every 15 s, one an event asks for) could notice the change first, and the
   * page would be drawn anew before the click: what the test asserts of the click would not happen.
   */
  private static void setTheTabsTokenAndClick(String token, By locator) {
    WebElement element = waitFor(locator);
    js(
        "if (arguments[0] === null) sessionStorage.removeItem('sluice.token');"
            + " else sessionStorage.setItem('sluice.token', arguments[0]);"
            + " arguments[1].click();",
        token,
        element);
  }

  /** Opens the overview as alice, the writer, and waits for its list of services. */
  private static void openOverview() {
    open(WRITER_TOKEN, "/");
    waitFor(By.cssSelector("table.services"));
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(script, args);
  }

  /**
   * Runs {@code script} in the page and waits for it to call its last argument (the callback) with
   * the result.
   */
  private static Object asyncJs(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeAsyncScript(script, args);
  }

  private static WebElement waitFor(By locator) {
    Supplier<WebElement> find =
        () -> {
          List<WebElement> found = browser.findElements(locator);
          return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        };
    return await()
        .atMost(BOUND)
        .ignoreExceptions()
        .alias("waiting for " + locator)
        .until(find::get, e -> e != null);
  }

  /**
   * Clicks what {@code locator} finds, finding it again when the page re-rendered it between the
   * find and the click (a live update or a refresh replaced the element: nothing was clicked).
   */
  private static void click(By locator) {
    await()
        .atMost(BOUND)
        .ignoreException(StaleElementReferenceException.class)
        .alias("clicking " + locator)
        .until(
            () -> {
              waitFor(locator).click();
              return true;
            });
  }

  /** The role badge (shown in capitals by CSS, so compare its text content). */
  private static void awaitRole(String role) {
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .alias("role badge shows " + role)
        .until(
            () ->
                browser
                    .findElement(By.cssSelector("[data-test=role]"))
                    .getDomProperty("textContent")
                    .equals(role));
  }

  private static void awaitAttribute(By locator, String attribute, String expected) {
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .until(() -> expected.equals(browser.findElement(locator).getAttribute(attribute)));
  }

  private static void awaitText(By locator, String expected) {
    long started = System.nanoTime();
    await()
        .atMost(BOUND)
        .ignoreExceptions()
        .alias(locator + " shows '" + expected + "'")
        .until(() -> browser.findElement(locator).getText().contains(expected));
    long millis = (System.nanoTime() - started) / 1_000_000;
    if (millis > 1000) {
      System.out.println("[ui] " + locator + " showed '" + expected + "' after " + millis + " ms");
    }
  }
}
