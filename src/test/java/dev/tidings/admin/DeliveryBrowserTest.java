package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The delivery view: pause, resume and cancel a delivery under way; each failure's SMTP reply in the sends table. */
@QuarkusTest
class DeliveryBrowserTest extends BrowserTest {

    @Test
    void pauseResumeAndCancelADeliveryUnderWay() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        String domain = "slow-" + Newsletters.newSlug() + ".example.com";
        mailbox.slowDomain(domain, Duration.ofMillis(1500));
        // More than one instance claims ahead (4 x in-flight + 2 jobs = 456): the rest is still queued
        // when the writer cancels, and is skipped.
        StringBuilder csv = new StringBuilder("email\n");
        for (int i = 0; i < 1500; i++) {
            csv.append("reader").append(i).append('@').append(domain).append('\n');
        }
        Newsletters.awaitImport(token, Newsletters.startImport(token, id, csv.toString()), Duration.ofSeconds(30));
        String issue = Issues.draft(id);
        Newsletters.as(token)
                .post("/api/newsletters/" + id + "/issues/" + issue + "/publish")
                .then()
                .statusCode(202);

        browser.go("/app/newsletters/" + id + "/issues/" + issue + "/delivery").waitText("#progress-block", "sending");
        browser.accessible().screenshot("delivery-sending");
        browser.click("form[action$='/pause'] button").waitText("#progress-block", "paused");
        browser.click("form[action$='/resume'] button").waitText("#progress-block", "sending");
        browser.click("details.confirm summary").click("form[action$='/cancel'] button");
        browser.waitText("#progress-block", "cancelled");
        Newsletters.as(token)
                .get("/api/newsletters/" + id + "/issues/" + issue + "/delivery")
                .then()
                .body("status", org.hamcrest.Matchers.equalTo("cancelled"));
        // What was left is skipped (by the dispatcher, a moment later); the table filters to it.
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> Newsletters.as(token)
                                .get("/api/newsletters/" + id + "/issues/" + issue + "/delivery")
                                .then()
                                .extract()
                                .<Integer>path("skipped")
                        > 0);
        browser.go(browser.path())
                .click("#status-tabs a[href='?status=skipped']")
                .waitText("main table", "skipped");
        assertThat(browser.text("main table")).doesNotContain("queued");
    }

    @Test
    void aRefusedMailShowsItsSmtpReplyInTheSendsTable() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        String dead = "gone-" + Newsletters.newSlug() + "@example.net";
        mailbox.refuse(dead, 550, 10);
        Newsletters.addSubscriber(token, id, dead, "active");
        Newsletters.addSubscriber(token, id, "fine-" + Newsletters.newSlug() + "@example.net", "active");
        String issue = Issues.draft(id);
        Newsletters.as(token)
                .post("/api/newsletters/" + id + "/issues/" + issue + "/publish")
                .then()
                .statusCode(202);

        browser.go("/app/newsletters/" + id + "/issues/" + issue + "/delivery");
        browser.waitText("#progress-block", "2 of 2 recipients done");
        // Both are done (the bounce counts as done): the sends table filtered to bounced shows it.
        browser.go(browser.path() + "?status=bounced").waitText("main table", dead);
        assertThat(browser.text("main table")).contains("550");
        browser.accessible().fitsPhone().screenshot("delivery-failures");
    }

    @Test
    void aThrottlingDomainAndEachSendsAttemptsShowOnTheDeliveryView() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        String domain = "busy-" + Newsletters.newSlug() + ".example.com";
        StringBuilder csv = new StringBuilder("email\n");
        for (int i = 0; i < 300; i++) {
            csv.append("reader").append(i).append('@').append(domain).append('\n');
        }
        Newsletters.awaitImport(token, Newsletters.startImport(token, id, csv.toString()), Duration.ofSeconds(30));
        String greylisted = "reader7@" + domain;
        mailbox.refuse(greylisted, 451, 1);
        // Each 421 halves the domain's rate (down to 1 mail/s): 60 of them keep it throttled long enough
        // to see, and the issue done within a couple of minutes at worst.
        mailbox.throttleDomain(domain, 60);
        String issue = Issues.draft(id);
        Newsletters.as(token)
                .post("/api/newsletters/" + id + "/issues/" + issue + "/publish")
                .then()
                .statusCode(202);

        String path = "/app/newsletters/" + id + "/issues/" + issue + "/delivery";
        browser.reloadUntil(path, "#delivery-details", domain);
        assertThat(browser.text("#delivery-details"))
                .contains("Receivers slowing this issue down")
                .contains("421 4.7.0")
                .contains("default");
        browser.accessible().screenshot("delivery-throttled");
        browser.js("document.getElementById('route-heading').scrollIntoView()");
        browser.screenshot("delivery-relays");

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(180)).until(() -> "sent"
                .equals(Newsletters.as(token)
                        .get("/api/newsletters/" + id + "/issues/" + issue + "/delivery")
                        .then()
                        .extract()
                        .path("status")));
        assertThat(dev.tidings.testing.Database.strings(
                        "SELECT count(*) FROM send WHERE issue_id = ?::uuid AND deferrals > 0 AND attempts = 1", issue))
                .as("throttled sends were deferred without counting attempts")
                .singleElement()
                .satisfies(n -> assertThat(Integer.parseInt(n)).isPositive());
        // A deferred send, page by page (50 a page): its deferrals beside its one attempt, and under the
        // row each throttle's reply.
        browser.go(path + "?status=sent");
        String deferred = "";
        for (int page = 0; page < 7 && deferred.isEmpty(); page++) {
            deferred = (String) browser.js(
                    "const row = [...document.querySelectorAll('main table tr')].find(r => r.textContent.includes('deferred'));"
                            + " if (!row) return ''; const d = row.querySelector('details'); if (!d) return 'no details';"
                            + " d.open = true; return row.textContent;");
            if (deferred.isEmpty()) {
                String before = browser.path() + browser.js("return location.search;");
                browser.click("a[rel=next]");
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> !(browser.path() + browser.js("return location.search;")).equals(before));
            }
        }
        assertThat(deferred).contains("deferred").contains("421 4.7.0").contains("did not go out");
        browser.go(path + "?status=sent");
        // The greylisted send: its first attempt and the reply, under the table row.
        String history = (String) browser.js(
                "const row = [...document.querySelectorAll('main table tr')].find(r => r.textContent.includes(arguments[0]));"
                        + " if (!row) return ''; const d = row.querySelector('details'); if (!d) return 'no details';"
                        + " d.open = true; return d.textContent;",
                greylisted);
        if (history.isEmpty()) {
            // Not on the first page: ask the API where it is instead of paging the table.
            history = Newsletters.as(token)
                    .get("/api/newsletters/" + id + "/issues/" + issue + "/sends?status=sent&limit=200")
                    .then()
                    .extract()
                    .jsonPath()
                    .getList("items.findAll { it.email == '" + greylisted + "' }.history.reply")
                    .toString();
        }
        assertThat(history).contains("451");
        assertThat(browser.text("main table")).contains("default");
    }
}
