package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The issue list and editor: autosave, template errors beside the body, scheduling, other accounts' issues. */
@QuarkusTest
class IssueBrowserTest extends BrowserTest {

    @Test
    void autosaveKeepsWhatWasTypedAndATemplateErrorIsShownBesideTheBody() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        browser.go("/app/newsletters/" + id + "/issues/new");
        browser.type("#subject", "").click("main form button[type=submit]");
        browser.waitText("#subject-error", "must not be blank");
        browser.type("#subject", "Draft one")
                .click("main form button[type=submit]")
                .waitText("h1", "Edit issue");
        String editor = browser.path();

        browser.find("#subject").sendKeys(" (revised)");
        browser.waitText("#save-status", "Saved at");
        browser.go(editor);
        assertThat(browser.find("#subject").getAttribute("value")).isEqualTo("Draft one (revised)");

        browser.find("#body").sendKeys("\n{#if subscriber.name}unclosed");
        browser.waitText("#body-error", "unterminated section");
        browser.accessible().screenshot("issue-template-error");
        browser.go(editor);
        assertThat(browser.find("#body").getAttribute("value")).doesNotContain("unclosed");

        browser.go("/app/newsletters/" + id + "/issues").waitText("main table", "Draft one (revised)");
        assertThat(browser.text("main table")).contains("draft");
        browser.accessible().fitsPhone().screenshot("issues");
    }

    @Test
    void schedulingShowsTheTimeInTheBrowsersZoneAndRefusesThePast() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        Newsletters.addSubscriber(token, id, "one@example.net", "active");
        browser.go("/app/newsletters/" + id + "/issues/new").type("#subject", "Later");
        browser.click("main form button[type=submit]").waitText("h1", "Edit issue");
        String editor = browser.path();
        String zone = (String) browser.js("return Intl.DateTimeFormat().resolvedOptions().timeZone;");

        browser.click("#publish summary").waitText("#recipients", "1 active subscriber");
        browser.click("input[name=when][value=later]");
        browser.js("document.getElementById('scheduledAt').value = '2020-01-01T09:30';");
        browser.click("#publish-button").waitText("#scheduledAt-error", "must be in the future");
        assertThat(browser.path()).endsWith("/publish");

        browser.go(editor).click("#publish summary").click("input[name=when][value=later]");
        LocalDateTime local = LocalDateTime.now(ZoneId.of(zone)).plusDays(2).truncatedTo(ChronoUnit.MINUTES);
        browser.js("document.getElementById('scheduledAt').value = arguments[0];", local.toString());
        browser.click("#publish-button").waitText("main", "scheduled");
        Instant expected = local.atZone(ZoneId.of(zone)).toInstant();
        Newsletters.as(token)
                .get(browser.path().replace("/app/", "/api/"))
                .then()
                .statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("scheduled"))
                .body("scheduledAt", org.hamcrest.Matchers.equalTo(expected.toString()));
        // Shown by the browser in its own zone, not as the server's UTC text.
        String shown = browser.find("main time[data-local]").getText();
        assertThat(shown).doesNotContain("UTC").isNotBlank();
        assertThat(browser.find("main time[data-local]").getAttribute("datetime"))
                .isEqualTo(expected.toString());
    }

    @Test
    void anotherAccountsIssueIsANotFoundPage() {
        String other = Accounts.tokenFor(mailbox, Accounts.newEmail());
        String theirs = newsletter(other, Newsletters.newSlug());
        String issue = dev.tidings.testing.Issues.draft(theirs, "Their secret issue", "<p>secret</p>", "secret");
        String token = signedInWriter(Accounts.newEmail());
        String mine = newsletter(token, Newsletters.newSlug());
        for (String path : new String[] {
            "/app/newsletters/" + theirs + "/issues/" + issue,
            "/app/newsletters/" + mine + "/issues/" + issue,
            "/app/newsletters/" + mine + "/issues/" + issue + "/preview/frame",
            "/app/newsletters/" + mine + "/issues/" + issue + "/delivery"
        }) {
            browser.go(path);
            assertThat(browser.driver.getPageSource()).doesNotContain("Their secret issue");
            browser.waitText("h1", "Not found");
        }
    }
}
