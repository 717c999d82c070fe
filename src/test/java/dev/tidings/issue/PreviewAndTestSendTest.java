package dev.tidings.issue;

import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.Writer;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PreviewAndTestSendTest extends WriterTest {

    static final String MARKDOWN = "Hello {subscriber.name},\n\n"
            + "{#if subscriber.attributes.plan == \"pro\"}You are on **pro**.{#else}Try pro.{/if}\n\n"
            + "Read [the post](https://example.com/post).\n\n"
            + "[Unsubscribe]({unsubscribeUrl})";

    String issue;

    @BeforeEach
    void setUp() {
        issue = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "News for {subscriber.name}",
                        "preheader", "This week",
                        "bodyMarkdown", MARKDOWN))
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private String path() {
        return ApiPaths.issue(newsletter, issue);
    }

    private String subscriber(String email, String name, Map<String, Object> attributes) {
        return Newsletters.addSubscriber(
                token, newsletter, Map.of("email", email, "name", name, "attributes", attributes));
    }

    @Test
    void previewAsASubscriberEscapesTheirNameInHtmlOnlyAndUsesTheirData() {
        String sid = subscriber("pro@example.com", "<script>alert(1)</script>", Map.of("plan", "pro"));
        JsonPath preview = as(token)
                .queryParam("subscriberId", sid)
                .get(path() + "/preview")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(preview.getString("subject")).isEqualTo("News for <script>alert(1)</script>");
        assertThat(preview.getString("html"))
                .contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;,")
                .doesNotContain("<script>")
                .contains("You are on <strong>pro</strong>.")
                .contains("class=\"tidings-preheader\"")
                .contains("This week")
                .contains("/p/" + slug + "/unsubscribe?token=");
        assertThat(preview.getString("text"))
                .contains("Hello <script>alert(1)</script>,")
                .contains("You are on pro.")
                .contains("Read the post (https://example.com/post).")
                .contains("Unsubscribe (http")
                .contains("/p/" + slug + "/unsubscribe?token=")
                .doesNotContain("This week");
    }

    @Test
    void previewWithoutASubscriberUsesSampleData() {
        as(token)
                .get(path() + "/preview")
                .then()
                .statusCode(200)
                .body("subject", equalTo("News for Sample Reader"))
                .body("html", org.hamcrest.Matchers.containsString("Try pro."))
                .body("text", org.hamcrest.Matchers.containsString("Hello Sample Reader,"));
    }

    @Test
    void previewForAnErasedOrForeignOrUnknownSubscriberIs404() {
        String erased = subscriber("gone@example.com", "Gone", Map.of());
        as(token).delete(ApiPaths.subscriber(newsletter, erased)).then().statusCode(204);
        as(token)
                .queryParam("subscriberId", erased)
                .get(path() + "/preview")
                .then()
                .statusCode(404);

        String otherNewsletter = Newsletters.create(token, newSlug(), false);
        String foreign = Newsletters.addSubscriber(token, otherNewsletter, "elsewhere@example.com", "active");
        as(token)
                .queryParam("subscriberId", foreign)
                .get(path() + "/preview")
                .then()
                .statusCode(404);
        as(token)
                .queryParam("subscriberId", UUID.randomUUID().toString())
                .get(path() + "/preview")
                .then()
                .statusCode(404);
        as(token)
                .queryParam("subscriberId", "nope")
                .get(path() + "/preview")
                .then()
                .statusCode(404);
    }

    @Test
    void previewFollowsAnEdit() {
        as(token).get(path() + "/preview").then().body("subject", equalTo("News for Sample Reader"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Edited for {subscriber.email}"))
                .patch(path())
                .then()
                .statusCode(200);
        as(token).get(path() + "/preview").then().body("subject", equalTo("Edited for sample@example.com"));
    }

    @Test
    void testSendArrivesAsMultipartAlternativeWithListHeadersAndTestSubject() throws Exception {
        String to = "tester-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of(to)))
                .post(path() + "/test")
                .then()
                .statusCode(202);
        MimeMessage mail = mailbox.awaitMessage(to, 1);
        assertThat(Mailbox.subject(mail)).isEqualTo("[Test] News for Sample Reader");
        assertThat(mail.getContentType()).startsWith("multipart/alternative");
        assertThat(mail.getFrom()[0].toString()).contains("editor@example.com");
        // Test sends point "unsubscribe" at the newsletter's sign-up page: a sample reader has no token.
        assertThat(mail.getHeader("List-Unsubscribe")[0]).startsWith("<http").endsWith("/p/" + slug + ">");
        assertThat(mail.getHeader("List-Unsubscribe-Post")[0]).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(mail.getHeader("List-Id")[0]).contains(slug);
        assertThat(mail.getHeader("Message-ID")[0]).matches("<[0-9a-f-]{36}@.+>");
        assertThat(Mailbox.part(mail, "text/plain"))
                .get()
                .asString()
                .contains("Hello Sample Reader,")
                .contains("Read the post (https://example.com/post).");
        assertThat(Mailbox.part(mail, "text/html"))
                .get()
                .asString()
                .contains("Try pro.")
                .contains("tidings-preheader");
        assertThat(Database.strings("SELECT status FROM issue WHERE id = ?::uuid", issue))
                .containsExactly("draft");
    }

    @Test
    void testSendToSeveralAddressesReachesEachOnce() throws Exception {
        String a = "a-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        String b = "b-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of(a, b, a.toUpperCase().replace("@EXAMPLE.ORG", "@example.org"))))
                .post(path() + "/test")
                .then()
                .statusCode(202);
        assertThat(Mailbox.subject(mailbox.awaitMessage(a, 1))).startsWith("[Test] ");
        assertThat(Mailbox.subject(mailbox.awaitMessage(b, 1))).startsWith("[Test] ");
        assertThat(mailbox.countAfterQuietPeriod(a)).isEqualTo(1);
    }

    @Test
    void testSendNeedsOneToTenValidAddresses() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of()))
                .post(path() + "/test")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("emails"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post(path() + "/test")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("emails"));
        List<String> eleven = java.util.stream.IntStream.range(0, 11)
                .mapToObj(i -> "r" + i + "@example.com")
                .toList();
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", eleven))
                .post(path() + "/test")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("emails"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of("ok@example.com", "nope", "also bad@")))
                .post(path() + "/test")
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("emails[1]", "emails[2]"));
    }

    @Test
    void testMailsAreLimitedPerAccountAndHour() {
        // An account of its own: the quota is the account's, and this test uses all of it.
        Writer own = Writer.create(mailbox, false);
        String ownIssue = Issues.draft(own.newsletter);
        String test = ApiPaths.issue(own.newsletter, ownIssue) + "/test";
        int quota = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("tidings.quotas.test-mails-per-hour", Integer.class)
                .orElse(50);
        int sent = 0;
        while (sent + 10 <= quota) {
            int from = sent;
            List<String> ten = java.util.stream.IntStream.range(from, from + 10)
                    .mapToObj(i ->
                            "quota" + i + "-" + UUID.randomUUID().toString().substring(0, 6) + "@example.org")
                    .toList();
            own.api()
                    .contentType(ContentType.JSON)
                    .body(Map.of("emails", ten))
                    .post(test)
                    .then()
                    .statusCode(202);
            sent += 10;
        }
        String over = "over-" + UUID.randomUUID().toString().substring(0, 6) + "@example.org";
        own.api()
                .contentType(ContentType.JSON)
                .body(Map.of("emails", List.of(over, "x" + over)))
                .post(test)
                .then()
                .statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
        assertThat(mailbox.messagesTo(over)).isEmpty();
    }
}
