package dev.tidings.issue;

import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ArchiveTest extends WriterTest {

    @Inject
    MeterRegistry registry;

    private double archiveRenders() {
        var counter = registry.find("tidings.archive.renders").counter();
        assertThat(counter).as("the counter of archive renders").isNotNull();
        return counter.count();
    }

    private String issue(String subject, Map<String, Object> body) {
        Map<String, Object> request = new java.util.HashMap<>(body);
        request.put("subject", subject);
        return as(token)
                .contentType(ContentType.JSON)
                .body(request)
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    /** Publishing belongs to delivery; here an issue is simply marked sent at a given time. */
    private static void markSent(String id, String publishedAt) {
        Database.update(
                "UPDATE issue SET status = 'sent', published_at = ?::timestamptz, finished_at = ?::timestamptz"
                        + " WHERE id = ?::uuid",
                publishedAt,
                publishedAt,
                id);
    }

    @Test
    void archiveListsOnlySentIssuesNewestFirstWithDatesAndLinks() {
        String older = issue("Older & wiser", Map.of("bodyMarkdown", "one"));
        String newer = issue("Newer news", Map.of("bodyMarkdown", "two"));
        String draft = issue("Unpublished draft", Map.of("bodyMarkdown", "three"));
        markSent(older, "2026-01-05T09:00:00Z");
        markSent(newer, "2026-02-10T09:00:00Z");

        Response page = RestAssured.get("/p/" + slug + "/archive");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        String html = page.body().asString();
        assertThat(html)
                .contains("href=\"/p/" + slug + "/archive/" + newer + "\"")
                .contains("href=\"/p/" + slug + "/archive/" + older + "\"")
                .contains("Older &amp; wiser")
                .contains("10 February 2026")
                .contains("<time datetime=\"2026-01-05T09:00:00Z\">5 January 2026</time>")
                .doesNotContain("Unpublished draft")
                .doesNotContain(draft)
                .doesNotContain("<script");
        assertThat(html.indexOf("Newer news")).isLessThan(html.indexOf("Older &amp; wiser"));
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'");
    }

    @Test
    void archiveOfANewsletterWithNothingSentSaysSo() {
        issue("Just a draft", Map.of("bodyMarkdown", "x"));
        String html = RestAssured.get("/p/" + slug + "/archive")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(html).contains("No issues have been sent yet.").doesNotContain("Just a draft");
    }

    @Test
    void archivedIssueIsRenderedWithNeutralDataAndWithoutScripts() {
        String id = issue(
                "Hello {subscriber.name}",
                Map.of(
                        "preheader",
                        "Hidden preview line",
                        "bodyHtml",
                        "<html><body><h2>Dear {subscriber.name}reader</h2><p>Story at"
                                + " <a href=\"https://example.com/s\">the site</a>.</p>"
                                + "<script>alert('x')</script><img src=\"https://example.com/i.png\" alt=\"pic\""
                                + " onerror=\"alert(1)\"><p><a href=\"{unsubscribeUrl}\">Leave</a></p></body></html>"));
        markSent(id, "2026-03-01T12:00:00Z");
        Response page = RestAssured.get("/p/" + slug + "/archive/" + id);
        assertThat(page.statusCode()).isEqualTo(200);
        String html = page.body().asString();
        assertThat(html)
                .contains("<h1>Hello</h1>")
                .contains("Dear reader")
                .contains("href=\"https://example.com/s\"")
                .contains("src=\"https://example.com/i.png\"")
                .contains("1 March 2026")
                .contains("href=\"/p/" + slug + "/archive\"")
                .doesNotContain("alert")
                .doesNotContain("onerror")
                .doesNotContain("Hidden preview line");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'");
    }

    @Test
    void unknownSlugUnsentIssueForeignIssueOrBadIdAre404Pages() {
        String draft = issue("Draft", Map.of("bodyMarkdown", "x"));
        String sentElsewhere;
        String otherSlug = newSlug();
        String other = Newsletters.create(token, otherSlug, false);
        sentElsewhere = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Other", "bodyMarkdown", "y"))
                .post(ApiPaths.issues(other))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        markSent(sentElsewhere, "2026-03-01T12:00:00Z");
        for (String path : new String[] {
            "/p/no-such-" + UUID.randomUUID().toString().substring(0, 8) + "/archive",
            "/p/" + slug + "/archive/" + draft,
            "/p/" + slug + "/archive/" + sentElsewhere,
            "/p/" + slug + "/archive/" + UUID.randomUUID(),
            "/p/" + slug + "/archive/not-an-id"
        }) {
            Response page = RestAssured.get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(404);
            assertThat(page.contentType()).as(path).startsWith("text/html");
            assertThat(page.body().asString()).as(path).contains("not found");
        }
        RestAssured.get("/p/" + otherSlug + "/archive/" + sentElsewhere).then().statusCode(200);
        // The sign-up page next to the archive still answers.
        RestAssured.get("/p/" + slug).then().statusCode(200);
    }

    @Test
    void anArchivedIssueIsRenderedOnceNotOnEveryVisit() {
        String id = issue("Once", Map.of("bodyMarkdown", "Rendered *once*"));
        markSent(id, "2026-03-02T12:00:00Z");
        var counter = registry.find("tidings.archive.renders").counter();
        double first = counter == null ? 0 : counter.count(); // registered when the archive first answers
        RestAssured.get("/p/" + slug + "/archive/" + id).then().statusCode(200);
        assertThat(archiveRenders() - first).as("renders for the first visit").isEqualTo(1);
        double before = archiveRenders();
        for (int i = 0; i < 5; i++) {
            assertThat(RestAssured.get("/p/" + slug + "/archive/" + id).asString())
                    .contains("<em>once</em>");
        }
        assertThat(archiveRenders() - before).as("renders for five more visits").isZero();
    }

    @Test
    void anIssueTooLongForTheArchiveGetsAShortPage() {
        // An anonymous visitor must not make the server render and clean a 2 MiB page on every visit.
        String id = issue("Long", Map.of("bodyMarkdown", ("A long paragraph. ".repeat(50) + "\n\n").repeat(400)));
        markSent(id, "2026-03-03T12:00:00Z");
        Response page = RestAssured.get("/p/" + slug + "/archive/" + id);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body().asString()).hasSizeLessThan(64 * 1024).contains("too long");
    }
}
