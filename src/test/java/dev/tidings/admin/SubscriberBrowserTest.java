package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The subscribers screen: tabs with counts, search as you type, pages, add, edit, erase, import errors. */
@QuarkusTest
class SubscriberBrowserTest extends BrowserTest {

    @Test
    void tabsCountSearchFiltersAsYouTypeAndPagesGoOnByKeyset() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        for (int i = 0; i < 55; i++) {
            Newsletters.addSubscriber(token, id, "many" + i + "@example.net", "active");
        }
        Newsletters.addSubscriber(token, id, Map.of("email", "zelda@example.net", "name", "Zelda Fitzgerald"));
        Newsletters.addSubscriber(token, id, "waiting@example.net", "pending");
        browser.go("/app/newsletters/" + id + "/subscribers").waitText("h1", "Subscribers");
        assertThat(browser.text("#status-tabs"))
                .contains("All (57)")
                .contains("Active (56)")
                .contains("Pending (1)");
        assertThat(browser.all("#subscriber-rows tbody tr")).hasSize(50);

        browser.click("#subscriber-rows a[rel=next]").waitText("h1", "Subscribers");
        assertThat(browser.all("#subscriber-rows tbody tr")).hasSize(7);

        browser.go("/app/newsletters/" + id + "/subscribers");
        browser.find("#q").sendKeys("zeld");
        browser.waitCount("#subscriber-rows tbody tr", 1).waitText("#subscriber-rows", "zelda@example.net");
        assertThat(browser.path()).endsWith("/subscribers"); // filtered in place, no page load
        browser.find("#q").sendKeys("xyz");
        browser.waitText("#subscriber-rows", "No subscriber matches");

        browser.click("#status-tabs a[href$='status=pending']").waitText("#subscriber-rows", "waiting@example.net");
        browser.waitCount("#subscriber-rows tbody tr", 1);

        // The export link downloads every subscriber as CSV, with this browser's session.
        String href = browser.find("a[href$='/subscribers/export']").getAttribute("href");
        Object csv = browser.driver.executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                        + "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(done);",
                href);
        assertThat(csv.toString())
                .startsWith("email,")
                .contains("zelda@example.net")
                .contains("many54@example.net");
        assertThat(csv.toString().lines().count()).isEqualTo(58);
        browser.accessible().fitsPhone();
    }

    @Test
    void addEditAttributesAndErase() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        browser.go("/app/newsletters/" + id + "/subscribers");
        browser.type("#email", "not an address").click("main form[method=post] button[type=submit]");
        browser.waitText("#email-error", "email");
        browser.type("#email", "ada@example.net")
                .type("#name", "Ada")
                .click("main form[method=post] button[type=submit]");
        browser.waitText("h1", "ada@example.net").waitText("main .notice", "Added.");

        browser.type("#attrKey0", "city").type("#attrValue0", "London");
        browser.type("#attrKey1", "plan").type("#attrValue1", "pro");
        browser.type("#name", "Ada Lovelace").type("#tags", "VIP, early-reader").click("main form button[type=submit]");
        browser.waitText("main .notice", "Saved.");
        assertThat(browser.find("#tags").getAttribute("value")).isEqualTo("early-reader, vip");
        assertThat(browser.find("#name").getAttribute("value")).isEqualTo("Ada Lovelace");
        browser.accessible().screenshot("subscriber-edit");
        String sid = browser.path().substring(browser.path().lastIndexOf('/') + 1);
        Newsletters.as(token)
                .get("/api/newsletters/" + id + "/subscribers/" + sid)
                .then()
                .statusCode(200)
                .body("attributes.city", org.hamcrest.Matchers.equalTo("London"))
                .body("attributes.plan", org.hamcrest.Matchers.equalTo("pro"))
                .body("tags", org.hamcrest.Matchers.contains("early-reader", "vip"));

        // A tag over 64 characters is refused beside the tags, and nothing changes.
        browser.type("#tags", "ok, " + "x".repeat(70)).type("#name", "Changed").click("main form button[type=submit]");
        browser.waitText("#tags-error", "at most 64 characters");
        Newsletters.as(token)
                .get("/api/newsletters/" + id + "/subscribers/" + sid)
                .then()
                .body("name", org.hamcrest.Matchers.equalTo("Ada Lovelace"))
                .body("tags", org.hamcrest.Matchers.contains("early-reader", "vip"));

        // A value without its key is refused beside the attributes, and nothing changes.
        browser.go("/app/newsletters/" + id + "/subscribers/" + sid);
        browser.type("#attrKey0", "").click("main form button[type=submit]");
        browser.waitText("#attributes-error", "every value needs a key");
        Newsletters.as(token)
                .get("/api/newsletters/" + id + "/subscribers/" + sid)
                .then()
                .body("attributes.city", org.hamcrest.Matchers.equalTo("London"));

        browser.go("/app/newsletters/" + id + "/subscribers/" + sid);
        browser.click("details.confirm summary").click("details.confirm button");
        browser.waitText("h1", "Subscribers");
        Newsletters.as(token)
                .get("/api/newsletters/" + id + "/subscribers/" + sid)
                .then()
                .statusCode(404);
    }

    @Test
    void importShowsTheLinesItCouldNotTake() throws Exception {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        java.nio.file.Path file = java.nio.file.Files.createTempFile("bad", ".csv");
        java.nio.file.Files.writeString(file, "email,name\ngood@example.net,Good\nnot-an-address,Bad\n");
        browser.go("/app/newsletters/" + id + "/import");
        browser.click("form[data-import] button[type=submit]").waitText("#file-error", "Choose a CSV file first");
        browser.find("#file").sendKeys(file.toString());
        browser.click("form[data-import] button[type=submit]");
        browser.waitText("#import-job h2", "done").waitText("#import-job", "1 added");
        assertThat(browser.text("#import-job table")).contains("3").containsIgnoringCase("address");
        browser.accessible();

        java.nio.file.Files.writeString(file, "name,city\nno email column,Paris\n");
        browser.go("/app/newsletters/" + id + "/import");
        browser.find("#file").sendKeys(file.toString());
        browser.click("form[data-import] button[type=submit]");
        browser.waitText("#file-error", "email");
    }

    @Test
    void anotherAccountsSubscriberIsANotFoundPage() {
        String other = Accounts.tokenFor(mailbox, Accounts.newEmail());
        String theirs = newsletter(other, Newsletters.newSlug());
        String sid = Newsletters.addSubscriber(other, theirs, "secret@example.net", "active");
        String token = signedInWriter(Accounts.newEmail());
        String mine = newsletter(token, Newsletters.newSlug());
        browser.go("/app/newsletters/" + mine + "/subscribers/" + sid).waitText("h1", "Not found");
        browser.go("/app/newsletters/" + theirs + "/subscribers/" + sid).waitText("h1", "Not found");
        assertThat(browser.driver.getPageSource()).doesNotContain("secret@example.net");
    }
}
