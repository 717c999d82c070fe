package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.bounce.BounceMailbox;
import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RawSmtp;
import dev.tidings.testing.TestDns;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * The sender-domains page in Chromium: add a domain, see the records to copy, publish them in the
 * test's DNS server, check now and see each record turn found and the domain verified; refused
 * names are explained on the form. And a bounce mailed back to the bounce mailbox, shown on the
 * subscriber's page with what the receiving server said.
 */
@QuarkusTest
class SenderDomainBrowserTest extends BrowserTest {

    @Test
    void aWriterAddsADomainPublishesItsRecordsAndSeesItVerified() {
        TestDns dns = TestDns.start();
        signedInWriter(Accounts.newEmail());
        String domain = "mail-" + UUID.randomUUID().toString().substring(0, 8) + ".tidings-test.org";

        browser.go("/app/domains");
        browser.find("header nav a[href='/app/domains']");
        browser.type("#domain", "not a domain").click("main form button[type=submit]");
        browser.waitText("#domain-error", "domain");
        browser.accessible();

        browser.type("#domain", domain).click("main form button[type=submit]").waitText("h1", domain);
        assertThat(browser.text("main")).contains("Domain added");
        assertThat(browser.text("#domain-status")).contains("pending");
        String dkimName = browser.text("#name-dkim");
        String dkimValue = browser.text("#value-dkim");
        String returnPathName = browser.text("#name-return-path");
        String returnPathValue = browser.text("#value-return-path");
        assertThat(dkimName).endsWith("._domainkey." + domain);
        assertThat(dkimValue).startsWith("v=DKIM1; k=rsa; p=");
        assertThat(returnPathName).isEqualTo("tidings-bounces." + domain);
        assertThat(browser.all("button[data-copy]")).hasSize(8);
        browser.accessible().fitsPhone().screenshot("sender-domain-pending");

        // Checked with nothing published: each required record says what was found.
        browser.click("#verify").waitText("tr.record-dkim", "no TXT record");
        assertThat(browser.text("tr.record-return-path")).contains("no CNAME record");

        dns.txt(dkimName, dkimValue).cname(returnPathName, returnPathValue);
        browser.click("#verify").waitText("#domain-status", "verified");
        assertThat(browser.text("tr.record-dkim")).contains("found");
        assertThat(browser.text("tr.record-return-path")).contains("found");
        assertThat(browser.text("tr.record-spf")).contains("recommended");
        browser.accessible().screenshot("sender-domain-verified");

        browser.go("/app/domains").waitText("main table", domain);
        assertThat(browser.text("main table")).contains("verified");
    }

    @Inject
    BounceMailbox bounceMailbox;

    @Test
    void aBounceMailedBackShowsOnTheSubscribersPage() throws Exception {
        String token = signedInWriter(Accounts.newEmail());
        String newsletter = newsletter(token, Newsletters.newSlug());
        String reader = "gone-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        String subscriber = Newsletters.addSubscriber(token, newsletter, reader, "active");
        String issue = Issues.draft(newsletter);
        Newsletters.as(token)
                .contentType(io.restassured.http.ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(202);
        String returnPath =
                Mailbox.header(mailbox.awaitMessage(reader, 1), "Return-Path").replaceAll("[<>]", "");
        String sample;
        try (var in = getClass().getResourceAsStream("/bounces/gmail-address-not-found.eml")) {
            sample = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)
                    .replaceAll(
                            "bounces\\+[A-Za-z0-9_-]+@bounce\\.tidings\\.test", Matcher.quoteReplacement(returnPath));
        }
        // The send must be recorded as sent before a bounce can turn it bounced.
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> "sent"
                        .equals(Newsletters.as(token)
                                .get(ApiPaths.issue(newsletter, issue) + "/delivery")
                                .then()
                                .extract()
                                .path("status")));
        assertThat(RawSmtp.send(bounceMailbox.port(), returnPath, sample.getBytes(StandardCharsets.ISO_8859_1))
                        .data())
                .isEqualTo(250);

        browser.go("/app/newsletters/" + newsletter + "/subscribers/" + subscriber)
                .waitText("#activity", "Bounced");
        assertThat(browser.text("#activity"))
                .contains("hard bounce returned by mail")
                .contains("5.1.1");
        assertThat(browser.text("main")).contains("bounced");
        browser.accessible();
        browser.js("document.getElementById('activity-heading').scrollIntoView()");
        browser.screenshot("subscriber-bounced");
    }
}
