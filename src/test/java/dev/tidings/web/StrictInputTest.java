package dev.tidings.web;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RawHttp;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a mistake sends mail, a body is read strictly: an unknown field is a 400 naming it, and
 * nothing happens. Every failure, including those outside the REST layer, answers a problem (or
 * the friendly page), never Quarkus's own error body.
 */
@QuarkusTest
class StrictInputTest extends WriterTest {

    private static void assertNamesUnknownField(Response response, String field) {
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.jsonPath().getList("errors.field", String.class)).contains(field);
        assertThat(response.jsonPath().getString("detail")).contains(field).contains("unknown");
    }

    @Test
    void aTypoInPublishIsRefusedAndSendsNothing() throws Exception {
        Newsletters.addSubscriber(token, newsletter, newEmail(), "active");
        String issue = Issues.draft(newsletter);
        Response response = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("scheduleAt", "2099-01-01T08:00:00Z"))
                .post(ApiPaths.issue(newsletter, issue) + "/publish");
        assertNamesUnknownField(response, "scheduleAt");
        assertThat(Database.strings("SELECT status FROM issue WHERE id = ?::uuid", issue))
                .containsExactly("draft");
        assertThat(Database.strings("SELECT count(*) FROM send WHERE issue_id = ?::uuid", issue))
                .containsExactly("0");
    }

    @Test
    void unknownFieldsAreRefusedOnEveryKindOfBody() {
        assertNamesUnknownField(
                as(token)
                        .contentType(ContentType.JSON)
                        .body(Map.of(
                                "slug", newSlug(),
                                "name", "N",
                                "fromName", "F",
                                "fromEmail", "f@example.com",
                                "doubleOptin", false))
                        .post(ApiPaths.NEWSLETTERS),
                "doubleOptin");
        assertNamesUnknownField(
                as(token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("fromEmail", "g@example.com", "replyto", "r@example.com"))
                        .patch(ApiPaths.newsletter(newsletter)),
                "replyto");
        assertNamesUnknownField(
                as(token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("email", newEmail(), "attribute", Map.of("a", 1)))
                        .post(ApiPaths.subscribers(newsletter)),
                "attribute");
        assertNamesUnknownField(
                as(token)
                        .contentType(ContentType.JSON)
                        .body(Map.of("subject", "S", "bodyMarkdown", "x", "bodyTxt", "y"))
                        .post(ApiPaths.issues(newsletter)),
                "bodyTxt");
        assertNamesUnknownField(
                RestAssured.given()
                        .contentType(ContentType.JSON)
                        .body(Map.of("email", newEmail(), "nmae", "x"))
                        .post("/p/" + slug + "/subscribe"),
                "nmae");
        assertThat(Database.strings("SELECT count(*) FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .containsExactly("0");
    }

    @Test
    void aBodyWithoutContentTypeToThePublicSignupIsA4xxNotA500() {
        for (int size : new int[] {5_000, 100_000, 900_000}) {
            byte[] body = ("{\"email\":\"" + "a".repeat(size) + "@example.com\",\"name\":\"n\"}")
                    .getBytes(StandardCharsets.UTF_8);
            RawHttp.Answer answer =
                    RawHttp.to(RestAssured.port).send("POST", "/p/" + slug + "/subscribe", Map.of(), body);
            assertNoQuarkusErrorBody(answer, size);
        }
    }

    @Test
    void anOversizedFormFieldIsAFriendlyAnswerNotA500() {
        for (int size : new int[] {5_000, 100_000, 900_000}) {
            RawHttp.Answer answer = RawHttp.to(RestAssured.port)
                    .send(
                            "POST",
                            "/p/" + slug + "/subscribe",
                            Map.of("Content-Type", "application/x-www-form-urlencoded"),
                            ("email=" + "a".repeat(size) + "%40example.com").getBytes(StandardCharsets.UTF_8));
            assertNoQuarkusErrorBody(answer, size);
        }
    }

    /** A 4xx problem document or the friendly HTML page; never Quarkus's own error body. */
    private static void assertNoQuarkusErrorBody(RawHttp.Answer answer, int size) {
        assertThat(answer.status()).as("status for %d bytes", size).isBetween(400, 499);
        assertThat(answer.header("Content-Type"))
                .as("type for %d bytes", size)
                .matches("application/problem\\+json.*|text/html.*");
        assertThat(answer.body())
                .doesNotContain("stack")
                .doesNotContain("Error id")
                .doesNotContain("Exception");
    }

    @Test
    void unknownPathsAndMethodsAnswerProblems() {
        for (String path : new String[] {"/nothing-here", "/api/nothing", "/q/nothing", "/p/"}) {
            Response response = RestAssured.given().get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.contentType()).as(path).isEqualTo("application/problem+json");
        }
        Response wrongMethod = as(token).put("/api/newsletters");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.contentType()).isEqualTo("application/problem+json");
    }
}
