package dev.tidings.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import io.restassured.RestAssured;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real Chromium (Debian's {@code chromium} and {@code chromium-driver}) driven headless by
 * Selenium, one per test JVM, against the app under test. Without the browser the tests fail
 * with the command that installs it; they never skip.
 */
public final class Browser {

    public static final Duration WAIT = Duration.ofSeconds(20);
    public static final Dimension DESKTOP = new Dimension(1280, 900);
    public static final Dimension PHONE = new Dimension(375, 812);

    private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");
    private static final String DRIVER = System.getProperty("chromedriver.binary", "/usr/bin/chromedriver");

    private static Browser shared;

    public final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** The one browser of this JVM, started on first use and quit when the JVM ends. */
    public static synchronized Browser get() {
        if (shared == null) {
            if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(DRIVER))) {
                throw new AssertionError("The web admin's browser tests need Chromium and its driver at " + CHROMIUM
                        + " and " + DRIVER + ". Install them with: sudo apt-get install -y chromium chromium-driver"
                        + " (or set -Dchromium.binary and -Dchromedriver.binary). .ci/run does this by itself.");
            }
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM);
            options.addArguments(
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-extensions",
                    "--lang=en-US",
                    "--window-size=1280,900");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(Path.of(DRIVER).toFile())
                    .usingAnyFreePort()
                    .build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            shared = new Browser(driver);
            Runtime.getRuntime().addShutdownHook(new Thread(driver::quit));
        }
        return shared;
    }

    public static String base() {
        return "http://localhost:" + RestAssured.port;
    }

    /** A clean slate: no cookies, desktop size, a blank page. */
    public Browser reset() {
        driver.manage().window().setSize(DESKTOP);
        driver.get(base() + "/app/assets/admin.css");
        driver.manage().deleteAllCookies();
        return this;
    }

    public Browser go(String path) {
        driver.get(base() + path);
        return this;
    }

    /** Signs in as {@code email} (password {@link Accounts#PASSWORD}) through the API, then uses the session here. */
    public Browser signInAs(String email) {
        String session = Accounts.login(email);
        driver.get(base() + "/app/assets/admin.css");
        driver.manage()
                .addCookie(new Cookie.Builder("tidings_session", session)
                        .path("/")
                        .isHttpOnly(true)
                        .build());
        return this;
    }

    public WebElement find(String css) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public Browser type(String css, String text) {
        WebElement field = find(css);
        field.clear();
        field.sendKeys(text);
        return this;
    }

    public Browser click(String css) {
        new WebDriverWait(driver, WAIT)
                .until(ExpectedConditions.elementToBeClickable(By.cssSelector(css)))
                .click();
        return this;
    }

    /** Waits until the element's text contains {@code text}. */
    public Browser waitText(String css, String text) {
        try {
            new WebDriverWait(driver, WAIT)
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
        } catch (org.openqa.selenium.TimeoutException e) {
            List<WebElement> found = all(css);
            throw new AssertionError("'" + text + "' did not appear in " + css + " on " + driver.getCurrentUrl()
                    + "; it says: "
                    + (found.isEmpty() ? "(no such element)" : found.get(0).getText()));
        }
        return this;
    }

    /** Waits until the document in the frame {@code frameCss} (which may be replaced meanwhile) contains {@code text}. */
    public Browser waitFrameText(String frameCss, String text) {
        new WebDriverWait(driver, WAIT)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(d -> {
                    try {
                        d.switchTo().frame(d.findElement(By.cssSelector(frameCss)));
                        return d.findElement(By.tagName("body")).getText().contains(text);
                    } finally {
                        d.switchTo().defaultContent();
                    }
                });
        return this;
    }

    /** Loads {@code path} again until the element's text contains {@code text} (state that settles on the server). */
    public Browser reloadUntil(String path, String css, String text) {
        try {
            new WebDriverWait(driver, WAIT)
                    .pollingEvery(Duration.ofMillis(500))
                    .ignoring(org.openqa.selenium.NoSuchElementException.class)
                    .until(d -> {
                        d.get(base() + path);
                        return d.findElement(By.cssSelector(css)).getText().contains(text);
                    });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("'" + text + "' never appeared in " + css + " of " + path);
        }
        return this;
    }

    /** Waits until exactly {@code n} elements match {@code css}. */
    public Browser waitCount(String css, int n) {
        try {
            new WebDriverWait(driver, WAIT)
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(d -> d.findElements(By.cssSelector(css)).size() == n);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError(
                    "expected " + n + " of " + css + " on " + driver.getCurrentUrl() + ", found " + all(css).size());
        }
        return this;
    }

    public Browser waitUrl(String part) {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.urlContains(part));
        return this;
    }

    public String text(String css) {
        return find(css).getText();
    }

    public String path() {
        return java.net.URI.create(driver.getCurrentUrl()).getPath();
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /**
     * The page has no serious or critical accessibility violation by axe-core (WCAG 2.1 A and AA
     * rules). The preview frame holds the writer's own mail and is left out.
     */
    public Browser accessible() {
        Results results = new AxeBuilder()
                .withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"))
                .disableIframeTesting()
                .analyze(driver);
        List<Rule> bad = results.getViolations().stream()
                .filter(r -> "serious".equals(r.getImpact()) || "critical".equals(r.getImpact()))
                .toList();
        assertThat(bad)
                .as(() -> "axe-core on " + driver.getCurrentUrl() + ":\n"
                        + bad.stream()
                                .map(r -> r.getImpact() + " " + r.getId() + ": " + r.getHelp() + "\n    "
                                        + r.getNodes().stream()
                                                .map(n -> n.getHtml())
                                                .limit(3)
                                                .collect(Collectors.joining("\n    ")))
                                .collect(Collectors.joining("\n")))
                .isEmpty();
        return this;
    }

    /** At 375 px wide the page needs no sideways scrolling. */
    public Browser fitsPhone() {
        driver.manage().window().setSize(PHONE);
        try {
            Long overflow =
                    (Long) js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(overflow)
                    .as("sideways overflow at 375 px on " + driver.getCurrentUrl())
                    .isLessThanOrEqualTo(0L);
        } finally {
            driver.manage().window().setSize(DESKTOP);
        }
        return this;
    }

    /** A screenshot under target/screenshots (and docs/screenshots with -Dscreenshots.dir=docs/screenshots). */
    public Browser screenshot(String name) {
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        write(Path.of("target", "screenshots", name + ".png"), png);
        String docs = System.getProperty("screenshots.dir");
        if (docs != null && !docs.isBlank()) {
            write(Path.of(docs, name + ".png"), png);
        }
        return this;
    }

    /** A screenshot at 375 px wide (see {@link #screenshot}). */
    public Browser phoneScreenshot(String name) {
        driver.manage().window().setSize(PHONE);
        try {
            return screenshot(name);
        } finally {
            driver.manage().window().setSize(DESKTOP);
        }
    }

    /** What a failed test leaves behind: the screen and the page source. */
    public void saveFailure(String name) {
        Path dir = Path.of("target", "browser-failures");
        write(dir.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        write(dir.resolve(name + ".html"), driver.getPageSource().getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
