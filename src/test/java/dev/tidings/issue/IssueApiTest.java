package dev.tidings.issue;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class IssueApiTest extends WriterTest {

    private String issues() {
        return ApiPaths.issues(newsletter);
    }

    private String create(Map<String, Object> body) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post(issues())
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private static void setStatus(String issueId, String status) {
        Database.update("UPDATE issue SET status = ? WHERE id = ?::uuid", status, issueId);
    }

    @Test
    void createFromMarkdownStoresRenderedHtmlAndAnswersTheDraftWithLocation() {
        JsonPath created = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "  Issue #1 for {subscriber.name}  ",
                        "preheader", "What is inside",
                        "bodyMarkdown", "# Hello\n\nRead [this](https://example.com/a)."))
                .post(issues())
                .then()
                .statusCode(201)
                .header("Location", containsString(ApiPaths.newsletter(newsletter) + "/issues/"))
                .body("newsletterId", equalTo(newsletter))
                .body("subject", equalTo("Issue #1 for {subscriber.name}"))
                .body("preheader", equalTo("What is inside"))
                .body("bodyMarkdown", startsWith("# Hello"))
                .body("bodyHtml", containsString("<h1>Hello</h1>"))
                .body("bodyHtml", containsString("href=\"https://example.com/a\""))
                .body("bodyText", nullValue())
                .body("status", equalTo("draft"))
                .body("scheduledAt", nullValue())
                .body("recipients", nullValue())
                .body("publishedAt", nullValue())
                .body("finishedAt", nullValue())
                .body("createdAt", endsWith("Z"))
                .body("updatedAt", endsWith("Z"))
                .extract()
                .jsonPath();
        String id = created.getString("id");
        as(token).get(issues() + "/" + id).then().statusCode(200).body("id", equalTo(id));
        assertThat(Database.strings("SELECT body_html FROM issue WHERE id = ?::uuid", id))
                .singleElement()
                .asString()
                .contains("<h1>Hello</h1>");
    }

    @Test
    void createFromHtmlKeepsItAndAGivenText() {
        String id = create(Map.of("subject", "HTML", "bodyHtml", "<p>Hi</p>", "bodyText", "Hi in text"));
        as(token)
                .get(issues() + "/" + id)
                .then()
                .body("bodyMarkdown", nullValue())
                .body("bodyHtml", equalTo("<p>Hi</p>"))
                .body("bodyText", equalTo("Hi in text"));
    }

    @Test
    void createWithoutOrWithBothBodiesIs400NamingBothFields() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "No body"))
                .post(issues())
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder("bodyMarkdown", "bodyHtml"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Both", "bodyMarkdown", "a", "bodyHtml", "<p>a</p>"))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("bodyMarkdown", "bodyHtml"));
        assertThat(Database.strings("SELECT id FROM issue WHERE newsletter_id = ?::uuid", newsletter))
                .isEmpty();
    }

    @Test
    void invalidFieldsAreAllListedAt400() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "x".repeat(301),
                        "preheader", "two\nlines",
                        "bodyMarkdown", "x".repeat(512 * 1024 + 1)))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("subject", "preheader", "bodyMarkdown"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "line one\nline two", "bodyHtml", "<p>x</p>"))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("subject"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", " ", "bodyHtml", "<p>x</p>"))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("subject"));
    }

    @Test
    void templateErrorsAreReportedAtSaveWithFieldAndLine() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Fine", "bodyMarkdown", "Hello\n\n{#if subscriber.name}\nHi\n"))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("bodyMarkdown"))
                .body("errors[0].message", startsWith("line "));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Hi {#nosuch}x{/nosuch}", "bodyHtml", "<p>a</p>\n<p>{subscriber.nmae}</p>"))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("subject", "bodyHtml"))
                .body("errors.find { it.field == 'bodyHtml' }.message", startsWith("line 2: unknown value"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "Fine", "bodyHtml", "<p>a</p>", "bodyText", "{config:quarkus.datasource.password}"))
                .post(issues())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("bodyText"))
                .body("detail", org.hamcrest.Matchers.not(containsString("postgres")));
    }

    @Test
    void listIsNewestFirstFiltersByStatusAndPages() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(create(Map.of("subject", "Issue " + i, "bodyMarkdown", "Body " + i)));
        }
        setStatus(ids.get(1), "sent");
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var request = as(token).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page =
                    request.get(issues()).then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id"));
            cursor = page.getString("nextCursor");
        } while (cursor != null);
        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);

        as(token)
                .queryParam("status", "sent")
                .get(issues())
                .then()
                .statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(ids.get(1)))
                .body("nextCursor", nullValue());
        as(token)
                .queryParam("status", "draft")
                .get(issues())
                .then()
                .body("items", hasSize(4))
                .body("items.status", everyItem(equalTo("draft")));
        as(token)
                .queryParam("status", "published")
                .get(issues())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("status"));
        as(token).queryParam("limit", 0).get(issues()).then().statusCode(400);
    }

    @Test
    void patchMergesFieldsAndSwitchesBetweenMarkdownAndHtml() {
        String id = create(Map.of("subject", "Old", "preheader", "Pre", "bodyMarkdown", "*old*"));
        String path = issues() + "/" + id;
        String before = as(token).get(path).then().extract().path("updatedAt");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "New"))
                .patch(path)
                .then()
                .statusCode(200)
                .body("subject", equalTo("New"))
                .body("preheader", equalTo("Pre"))
                .body("bodyMarkdown", equalTo("*old*"))
                .body("updatedAt", org.hamcrest.Matchers.not(equalTo(before)));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("bodyHtml", "<p>now html</p>"))
                .patch(path)
                .then()
                .statusCode(200)
                .body("bodyMarkdown", nullValue())
                .body("bodyHtml", equalTo("<p>now html</p>"));
        Map<String, Object> toMarkdown = new HashMap<>();
        toMarkdown.put("bodyMarkdown", "**back**");
        toMarkdown.put("bodyHtml", null);
        toMarkdown.put("preheader", null);
        toMarkdown.put("bodyText", "own text");
        as(token)
                .contentType(ContentType.JSON)
                .body(toMarkdown)
                .patch(path)
                .then()
                .statusCode(200)
                .body("bodyMarkdown", equalTo("**back**"))
                .body("bodyHtml", containsString("<strong>back</strong>"))
                .body("preheader", nullValue())
                .body("bodyText", equalTo("own text"));
        Map<String, Object> removeBody = new HashMap<>();
        removeBody.put("bodyMarkdown", null);
        as(token)
                .contentType(ContentType.JSON)
                .body(removeBody)
                .patch(path)
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("bodyMarkdown"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("bodyMarkdown", "a", "bodyHtml", "<p>b</p>", "subject", ""))
                .patch(path)
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("subject", "bodyMarkdown", "bodyHtml"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("bodyMarkdown", "{#if subscriber.name}open"))
                .patch(path)
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("bodyMarkdown"))
                .body("errors[0].message", startsWith("line 1"));
        as(token).get(path).then().body("bodyMarkdown", equalTo("**back**"));
    }

    @Test
    void patchIsAllowedWhileScheduledAndRefusedWith409OnceSendingOrSent() {
        String id = create(Map.of("subject", "S", "bodyMarkdown", "x"));
        String path = issues() + "/" + id;
        setStatus(id, "scheduled");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Still editable"))
                .patch(path)
                .then()
                .statusCode(200);
        for (String status : List.of("sending", "paused", "sent", "cancelled")) {
            setStatus(id, status);
            as(token)
                    .contentType(ContentType.JSON)
                    .body(Map.of("subject", "Too late"))
                    .patch(path)
                    .then()
                    .statusCode(409)
                    .contentType("application/problem+json")
                    .body("detail", containsString(status));
        }
        as(token).get(path).then().body("subject", equalTo("Still editable"));
    }

    @Test
    void deleteIs204UnlessTheIssueIsBeingSent() {
        for (String status : List.of("draft", "scheduled", "sent", "cancelled")) {
            String id = create(Map.of("subject", status, "bodyMarkdown", "x"));
            setStatus(id, status);
            as(token).delete(issues() + "/" + id).then().statusCode(204);
            as(token).get(issues() + "/" + id).then().statusCode(404);
        }
        for (String status : List.of("sending", "paused")) {
            String id = create(Map.of("subject", status, "bodyMarkdown", "x"));
            setStatus(id, status);
            as(token).delete(issues() + "/" + id).then().statusCode(409).contentType("application/problem+json");
            as(token).get(issues() + "/" + id).then().statusCode(200);
        }
    }

    @Test
    void anotherAccountsNewsletterAndIssuesAnswer404LikeMissingOnes() {
        String id = create(Map.of("subject", "Mine", "bodyMarkdown", "secret"));
        String other = Accounts.tokenFor(mailbox, newEmail());
        String path = issues() + "/" + id;
        as(other).get(issues()).then().statusCode(404).contentType("application/problem+json");
        as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "x", "bodyMarkdown", "y"))
                .post(issues())
                .then()
                .statusCode(404);
        as(other).get(path).then().statusCode(404);
        as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "x"))
                .patch(path)
                .then()
                .statusCode(404);
        as(other).delete(path).then().statusCode(404);
        as(other).get(path + "/preview").then().statusCode(404);
        as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of("a@example.com")))
                .post(path + "/test")
                .then()
                .statusCode(404);
        // The same answers as for ids that do not exist at all.
        as(token).get(issues() + "/" + UUID.randomUUID()).then().statusCode(404);
        as(token).get(issues() + "/not-a-uuid").then().statusCode(404);
        as(token).get(ApiPaths.issues(UUID.randomUUID().toString())).then().statusCode(404);
        // An issue of another newsletter of the same account is not found under this one.
        String second = Newsletters.create(token, newSlug(), false);
        as(token).get(ApiPaths.issue(second, id)).then().statusCode(404);
        as(token).get(path).then().statusCode(200).body("subject", equalTo("Mine"));
        assertThat(Database.strings("SELECT subject FROM issue WHERE id = ?::uuid", id))
                .containsExactly("Mine");
    }

    @Test
    void withoutCredentialsTheIssueApiIs401() {
        Accounts.client().get(issues()).then().statusCode(401).body("status", equalTo(401));
        Accounts.client()
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "x", "bodyMarkdown", "y"))
                .post(issues())
                .then()
                .statusCode(401);
        assertThat(Database.strings("SELECT id FROM issue WHERE newsletter_id = ?::uuid", newsletter))
                .isEmpty();
        as(token).get(issues()).then().statusCode(200).body("items", hasSize(0)).body("nextCursor", nullValue());
    }
}
