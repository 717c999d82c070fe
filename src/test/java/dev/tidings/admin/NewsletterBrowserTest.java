package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Creating a newsletter and its settings in the browser; invalid input and other accounts' ids. */
@QuarkusTest
class NewsletterBrowserTest extends BrowserTest {

    @Test
    void invalidFieldsAreShownBesideThemAndATakenAddressIsAConflict() {
        String token = signedInWriter(Accounts.newEmail());
        String taken = Newsletters.newSlug();
        newsletter(token, taken);
        browser.go("/app/newsletters/new").waitText("h1", "New newsletter");
        browser.type("#name", "").type("#slug", "No Spaces!").type("#fromEmail", "not-an-address");
        browser.click("main form button[type=submit]");
        browser.waitText("#slug-error", "lower-case letters");
        assertThat(browser.text("#name-error")).isNotBlank();
        assertThat(browser.text("#fromEmail-error")).isNotBlank();
        browser.accessible().screenshot("newsletter-errors");

        browser.type("#name", "Taken")
                .type("#slug", taken)
                .type("#fromName", "Me")
                .type("#fromEmail", "me@example.com");
        browser.click("main form button[type=submit]");
        browser.waitText("main .notice", "taken");
        assertThat(browser.path()).isEqualTo("/app/newsletters");
    }

    @Test
    void settingsAreSavedAndTheSignUpLinkAndSnippetAreShown() {
        String token = signedInWriter(Accounts.newEmail());
        String slug = Newsletters.newSlug();
        String id = newsletter(token, slug);
        browser.go("/app/newsletters/" + id).waitText("h1", "Settings");
        assertThat(browser.find("#doubleOptIn").isSelected()).isFalse();
        browser.type("#name", "Renamed Weekly").type("#replyTo", "replies@example.com");
        browser.click("#doubleOptIn").click("main form button[type=submit]");
        browser.waitText("main .notice", "Saved.");
        assertThat(browser.find("#name").getAttribute("value")).isEqualTo("Renamed Weekly");
        assertThat(browser.find("#doubleOptIn").isSelected()).isTrue();
        assertThat(browser.find("#snippet").getAttribute("value"))
                .contains("/p/" + slug + "/subscribe")
                .contains("name=\"email\"");
        assertThat(browser.find("a[href$='/p/" + slug + "']").getText()).endsWith("/p/" + slug);
        browser.click("button[data-copy=snippet]").waitText("#snippet-copied", "Copied");
        browser.accessible().fitsPhone().screenshot("newsletter-settings");
        Newsletters.as(token)
                .get("/api/newsletters/" + id)
                .then()
                .statusCode(200)
                .body("name", org.hamcrest.Matchers.equalTo("Renamed Weekly"))
                .body("replyTo", org.hamcrest.Matchers.equalTo("replies@example.com"))
                .body("doubleOptIn", org.hamcrest.Matchers.equalTo(true));
    }

    @Test
    void anotherAccountsNewsletterIsANotFoundPage() {
        String other = Accounts.tokenFor(mailbox, Accounts.newEmail());
        String theirs = newsletter(other, Newsletters.newSlug());
        signedInWriter(Accounts.newEmail());
        for (String path : new String[] {"", "/subscribers", "/issues", "/issues/new", "/import"}) {
            browser.go("/app/newsletters/" + theirs + path).waitText("h1", "Not found");
        }
        browser.accessible();
        browser.go("/app/newsletters/not-an-id/issues").waitText("h1", "Not found");
        browser.go("/app/no-such-page").waitText("h1", "Not found");
    }
}
