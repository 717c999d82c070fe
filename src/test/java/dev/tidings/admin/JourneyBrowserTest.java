package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Mailbox;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * A writer's whole first day in the browser: sign up (the code read from the SMTP server), create
 * a newsletter, import 500 subscribers from CSV, write an issue, preview it, send a test,
 * publish (a double click publishes once), watch the progress reach 100 %, open the archive.
 */
@QuarkusTest
class JourneyBrowserTest extends BrowserTest {

    @Test
    void signUpWriteAndSendAnIssueToFiveHundredSubscribers() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String email = "journey-" + run + "@example.com";

        // Sign up; the code arrives by mail; entering it signs in.
        browser.go("/app").waitUrl("/app/login").accessible().screenshot("01-sign-in");
        browser.click("a[href='/app/signup']").waitText("h1", "Create an account");
        browser.type("#email", email).type("#name", "Jo Writer").type("#password", Accounts.PASSWORD);
        browser.accessible().screenshot("02-sign-up");
        browser.click("button[type=submit]").waitText("h1", "Confirm your address");
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(email);
        browser.type("#code", mailbox.awaitCode(email, 1)).accessible();
        browser.click("button[type=submit]").waitText("h1", "Dashboard");
        assertThat(browser.text("main")).contains("Welcome to Tidings").contains("Get started");
        browser.accessible().fitsPhone().screenshot("03-dashboard-empty");

        // A newsletter.
        browser.click("main a[href='/app/newsletters/new']").waitText("h1", "New newsletter");
        browser.type("#name", "Journey Weekly")
                .type("#slug", "journey-" + run)
                .type("#fromName", "Jo Writer")
                .type("#fromEmail", email);
        browser.accessible().screenshot("04-newsletter-new");
        browser.click("main form button[type=submit]").waitText("h1", "Subscribers");
        String newsletterPath = browser.path().replace("/subscribers", "");

        // 500 subscribers from a CSV file, with a live progress view.
        StringBuilder csv = new StringBuilder("email,name,city\n");
        for (int i = 0; i < 500; i++) {
            csv.append("reader")
                    .append(i)
                    .append('-')
                    .append(run)
                    .append("@example.org,Reader ")
                    .append(i)
                    .append(",Town ")
                    .append(i % 7)
                    .append('\n');
        }
        Path file = Files.createTempFile("journey", ".csv");
        Files.writeString(file, csv);
        browser.click("a[href$='/import']").waitText("h1", "Import subscribers");
        browser.find("#file").sendKeys(file.toString());
        browser.accessible().screenshot("05-import");
        browser.click("form[data-import] button[type=submit]");
        browser.waitText("#import-job h2", "done").waitText("#import-job", "500 added");
        assertThat(browser.text("#import-percent")).isEqualTo("100 %");
        assertThat(browser.text("#import-job")).contains("500 of 500 lines read");
        browser.accessible().screenshot("06-import-done");
        browser.click("#import-job a").waitText("h1", "Subscribers");
        browser.waitText("#status-tabs a[aria-current=page]", "All (500)");
        browser.accessible().fitsPhone().screenshot("07-subscribers").phoneScreenshot("07-subscribers-phone");

        // An issue, previewed as one subscriber gets it.
        browser.go(newsletterPath + "/issues/new").waitText("h1", "New issue");
        browser.type("#subject", "Hello from Journey Weekly");
        browser.type(
                "#body",
                "Hello {subscriber.name},\n\nThe **first** issue, for {subscriber.attributes.city}.\n\n"
                        + "[Unsubscribe]({unsubscribeUrl})");
        browser.click("main form button[type=submit]").waitText("h1", "Edit issue");
        new org.openqa.selenium.support.ui.Select(browser.find("#preview-as")).selectByIndex(1);
        browser.waitFrameText("#preview iframe[src*='subscriberId=']", "The first issue, for Town");
        browser.waitFrameText("#preview iframe", "Hello Reader");
        browser.accessible().screenshot("08-editor");

        // Editing autosaves and the preview follows.
        browser.find("#body").sendKeys("\n\nP.S. Autosaved.");
        browser.waitText("#save-status", "Saved at");
        browser.waitFrameText("#preview iframe[src*='subscriberId=']", "Autosaved");

        // A test to myself.
        browser.type("#emails", email).click("#test-heading + form button[type=submit]");
        browser.waitText("#test-status", "Test sent to " + email);
        assertThat(Mailbox.subject(mailbox.awaitMessage(email, 2))).contains("Hello from Journey Weekly");

        // Publish, behind a confirmation that names the recipients; a double click publishes once.
        browser.click("#publish summary").waitText("#recipients", "500 active subscribers");
        browser.screenshot("09-publish-confirm");
        WebElement publish = browser.find("#publish-button");
        new Actions(browser.driver).doubleClick(publish).perform();
        browser.waitText("h2#progress-heading", "Delivery");

        // Live progress over SSE until every mail is out.
        browser.waitText("#delivery-percent", "100 %").waitText("#progress-block", "500 of 500 recipients done");
        browser.accessible().fitsPhone().screenshot("10-delivery").phoneScreenshot("10-delivery-phone");
        assertThat(mailbox.messagesTo("reader0-" + run + "@example.org")).hasSize(1);
        assertThat(mailbox.messagesTo("reader499-" + run + "@example.org")).hasSize(1);

        // The dashboard and the issue list show it sent; the archive has it.
        // The issue is 'sent' once the dispatcher sees nothing left (its next tick, about a second).
        browser.reloadUntil("/app", "main table tbody tr:first-child", "sent");
        assertThat(browser.text("main table tbody tr:first-child"))
                .contains("Hello from Journey Weekly")
                .contains("100 %");
        browser.click("main table a");
        browser.waitText("h2#progress-heading", "Delivery");
        browser.click("a[href*='/archive/']");
        browser.waitText("body", "Hello from Journey Weekly");
        browser.screenshot("11-archive");
    }
}
