package dev.tidings.admin;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.Select;

/**
 * Segments, the audience chooser and the report in the browser: build a segment with a live
 * count, tag everyone in it, send an issue to it, read its report with the chart and the links.
 */
@QuarkusTest
class AudienceBrowserTest extends BrowserTest {

    private String domain;

    private String subscriber(
            String token, String newsletter, int i, List<String> tags, Map<String, Object> attributes) {
        Map<String, Object> body = new HashMap<>(Map.of("email", "r" + i + "@" + domain, "status", "active"));
        body.put("attributes", attributes);
        String id = Newsletters.addSubscriber(token, newsletter, body);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", tags))
                .put(ApiPaths.subscriber(newsletter, id) + "/tags")
                .then()
                .statusCode(200);
        return id;
    }

    private void select(String css, String value) {
        new Select(browser.find(css)).selectByValue(value);
    }

    @Test
    void aSegmentIsBuiltWithALiveCountTaggedAndChosenAsAnIssuesAudience() {
        domain = "s" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
        String token = signedInWriter(Accounts.newEmail());
        String newsletter = newsletter(token, Newsletters.newSlug());
        subscriber(token, newsletter, 0, List.of("vip"), Map.of("seats", 12));
        subscriber(token, newsletter, 1, List.of("vip"), Map.of("seats", 2));
        subscriber(token, newsletter, 2, List.of(), Map.of("seats", 40));

        browser.go("/app/newsletters/" + newsletter + "/segments").waitText("h1", "Segments");
        browser.click("a[href$='/segments/new']").waitText("h1", "New segment");
        browser.type("#name", "Big VIPs");
        select("#kind0", "tag");
        browser.type("#value0", "vip");
        browser.waitText("#count", "2 active subscribers match");
        select("#kind1", "attribute");
        browser.type("#attribute1", "seats");
        select("#op1", "gt");
        browser.type("#value1", "ten");
        browser.waitText("#count", "must be a number");
        browser.click("#builder button[type=submit]");
        browser.waitText("#value1-error", "must be a number");
        browser.accessible().screenshot("segment-builder-error");
        browser.type("#value1", "10");
        browser.waitText("#count", "1 active subscriber match");
        browser.click("#builder button[type=submit]");
        browser.waitText("main .notice", "Saved.");
        assertThat(browser.text("#count")).contains("1 active subscriber");
        browser.accessible().fitsPhone().screenshot("segment-builder");
        String segment = browser.path().replaceAll(".*/segments/", "");

        // Everyone in it gets a tag.
        browser.type("#tag", "Gold");
        browser.click("form[action$='/tag'] button[type=submit]");
        browser.waitText("main .notice", "Tags changed on 1 subscribers");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", Map.of("all", List.of(Map.of("tag", "gold")))))
                .post(ApiPaths.newsletter(newsletter) + "/segments/count")
                .then()
                .body("active", org.hamcrest.Matchers.equalTo(1));

        // The issue editor sends to it, and says how many that is before publishing.
        String issue = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "For big VIPs", "bodyMarkdown", "Hello"))
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        browser.go("/app/newsletters/" + newsletter + "/issues/" + issue).waitText("h1", "Edit issue");
        assertThat(browser.text("#audience-status")).contains("3 active subscribers");
        select("#audience", segment);
        browser.waitText("#audience-status", "1 active subscriber would get it now");
        browser.click("#publish summary");
        browser.waitText("#recipients", "the segment \u201cBig VIPs\u201d");
        assertThat(browser.text("#publish-button")).contains("Publish to 1 subscriber");
        browser.accessible().screenshot("issue-audience");
        as(token)
                .get(ApiPaths.issue(newsletter, issue))
                .then()
                .body("audience.segmentId", org.hamcrest.Matchers.equalTo(segment));

        // A segment an unsent issue uses cannot be deleted; the page says why.
        browser.go("/app/newsletters/" + newsletter + "/segments/" + segment).waitText("h1", "Big VIPs");
        browser.click("details.confirm summary").click("form[action$='/delete'] button");
        browser.waitText("main .notice", "For big VIPs");
    }

    @Test
    void theReportShowsOpensClicksTheChartAndTheLinks() throws Exception {
        domain = "r" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
        String token = signedInWriter(Accounts.newEmail());
        String newsletter = newsletter(token, Newsletters.newSlug());
        browser.go("/app/newsletters/" + newsletter).waitText("h1", "Settings");
        browser.click("#trackOpens").click("#trackClicks").click("main form button[type=submit]");
        browser.waitText("main .notice", "Saved.");
        as(token)
                .get(ApiPaths.newsletter(newsletter))
                .then()
                .body("trackOpens", org.hamcrest.Matchers.equalTo(true))
                .body("trackClicks", org.hamcrest.Matchers.equalTo(true));
        String reader = subscriber(token, newsletter, 0, List.of(), Map.of());
        String issue = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "Tracked news",
                        "bodyHtml", "<p><a href=\"https://example.com/story\">The story</a></p>"))
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(202);
        String html = Mailbox.part(mailbox.awaitMessage("r0@" + domain, 1), "text/html")
                .orElseThrow();
        // Every outcome stored first: a send recorded after the back-dating would look just delivered,
        // and a click on it would count as a scanner's.
        await().atMost(Duration.ofSeconds(30)).until(() -> "sent"
                .equals(as(token)
                        .get(ApiPaths.issue(newsletter, issue) + "/delivery")
                        .then()
                        .extract()
                        .path("status")));
        Database.update("UPDATE send SET sent_at = now() - interval '1 hour' WHERE issue_id = ?::uuid", issue);
        Matcher click = Pattern.compile("href=\"([^\"]*/t/c/[^\"]+)\"").matcher(html);
        Matcher open = Pattern.compile("src=\"([^\"]*/t/o/[^\"]+)\"").matcher(html);
        assertThat(click.find()).isTrue();
        assertThat(open.find()).isTrue();
        String chrome = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36";
        RestAssured.given()
                .header("User-Agent", chrome)
                .get(URI.create(open.group(1)).getRawPath())
                .then()
                .statusCode(200);
        RestAssured.given()
                .redirects()
                .follow(false)
                .header("User-Agent", chrome)
                .get(URI.create(click.group(1)).getRawPath())
                .then()
                .statusCode(302);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> as(token)
                                .get(ApiPaths.issue(newsletter, issue) + "/report")
                                .then()
                                .extract()
                                .jsonPath()
                                .getInt("clicks.total")
                        == 1);

        browser.go("/app/newsletters/" + newsletter + "/issues/" + issue + "/report")
                .waitText("h1", "Tracked news");
        browser.waitText(".figures", "Opened");
        assertThat(browser.text(".figures")).contains("100.0 %");
        browser.find("#timeline-chart[data-drawn=true] canvas");
        assertThat(browser.text("#links")).contains("https://example.com/story");
        assertThat(browser.text("#timeline-table")).contains("1");
        browser.accessible().fitsPhone().screenshot("issue-report");
        browser.go("/app/newsletters/" + newsletter + "/subscribers/" + reader).waitText("#activity", "Clicked");
        assertThat(browser.text("#activity"))
                .contains("https://example.com/story")
                .contains("Opened")
                .contains("Sent");
        browser.accessible();

        String other = Accounts.tokenFor(mailbox, Accounts.newEmail());
        String theirs = newsletter(other, Newsletters.newSlug());
        String theirSegment = as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "Theirs", "rule", Map.of("all", List.of(Map.of("tag", "x")))))
                .post(ApiPaths.newsletter(theirs) + "/segments")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        browser.go("/app/newsletters/" + theirs + "/segments/" + theirSegment).waitText("h1", "Not found");
        browser.go("/app/newsletters/" + newsletter + "/segments/" + theirSegment)
                .waitText("h1", "Not found");
        browser.go("/app/newsletters/" + theirs + "/issues/" + issue + "/report")
                .waitText("h1", "Not found");
    }
}
