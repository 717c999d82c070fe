package dev.tidings.delivery;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.mail.internet.MimeMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class DeliveryTest extends WriterTest {
    String domain;

    DeliveryFixture f;

    @BeforeEach
    void setUp() {
        domain = "d" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
        f = new DeliveryFixture(token, newsletter, domain);
    }

    private String base(String issue) {
        return f.base(issue);
    }

    private List<String> subscribers(int n) {
        return f.subscribers(n);
    }

    private JsonPath awaitStatus(String issue, String status) {
        return f.awaitStatus(issue, status);
    }

    private void publish(String issue) {
        f.publish(issue);
    }

    @Test
    void publishingToAThousandDeliversExactlyOneMailEachWithListHeaders() throws Exception {
        List<String> emails = subscribers(1000);
        String issue = Issues.draft(newsletter);
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(issue) + "/publish")
                .then()
                .statusCode(202)
                .body("status", equalTo("sending"))
                .body("recipients", equalTo(1000));

        JsonPath done = awaitStatus(issue, "sent");
        assertThat(done.getInt("recipients")).isEqualTo(1000);
        assertThat(done.getInt("sent")).isEqualTo(1000);
        assertThat(done.getInt("queued") + done.getInt("sending") + done.getInt("retrying") + done.getInt("failed"))
                .isZero();
        assertThat(done.getString("startedAt")).isNotNull();
        assertThat(done.getString("finishedAt")).isNotNull();
        assertThat(done.getDouble("sentPerSecond")).isPositive();

        Set<String> messageIds = new HashSet<>();
        for (String email : emails) {
            List<MimeMessage> got = mailbox.messagesTo(email);
            assertThat(got).as(email).hasSize(1);
            messageIds.add(got.get(0).getMessageID());
        }
        assertThat(messageIds).hasSize(1000);

        MimeMessage mail = mailbox.messagesTo(emails.get(7)).get(0);
        assertThat(mail.getContentType()).startsWith("multipart/alternative");
        assertThat(Mailbox.subject(mail)).isEqualTo("Issue for Reader 7");
        assertThat(Mailbox.part(mail, "text/html")).get().asString().contains("Hello Reader 7!");
        assertThat(Mailbox.part(mail, "text/plain")).get().asString().contains("Hello Reader 7!");
        assertThat(mail.getFrom()[0].toString()).contains("editor@example.com");
        assertThat(Mailbox.header(mail, "List-Id")).contains("<" + slug + ".");
        assertThat(Mailbox.header(mail, "List-Unsubscribe"))
                .matches("<https?://[^>]+/p/" + slug + "/unsubscribe\\?token=[^>]+>");
        assertThat(Mailbox.header(mail, "List-Unsubscribe-Post")).isEqualTo("List-Unsubscribe=One-Click");
        String sendId = Database.strings(
                        "SELECT s.id FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id"
                                + " WHERE s.issue_id = ?::uuid AND sub.email = ?",
                        issue,
                        emails.get(7))
                .get(0);
        assertThat(mail.getMessageID()).isEqualTo("<" + sendId + "@localhost>");

        JsonPath sends = as(token)
                .queryParam("limit", 2)
                .get(base(issue) + "/sends")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(sends.getList("items")).hasSize(2);
        assertThat(sends.getString("items[0].status")).isEqualTo("sent");
        assertThat(sends.getString("items[0].messageId")).startsWith("<").endsWith("@localhost>");
        assertThat(sends.getString("nextCursor")).isNotNull();
    }

    @Test
    void aRepeatedPublishWithTheSameKeyAnswersTheSameAndSendsOnce() throws Exception {
        List<String> emails = subscribers(20);
        String issue = Issues.draft(newsletter);
        String first = as(token)
                .header("Idempotency-Key", "publish-" + issue)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(issue) + "/publish")
                .then()
                .statusCode(202)
                .extract()
                .asString();
        String again = as(token)
                .header("Idempotency-Key", "publish-" + issue)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(issue) + "/publish")
                .then()
                .statusCode(202)
                .extract()
                .asString();
        assertThat(again).isEqualTo(first);
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(issue) + "/publish")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        awaitStatus(issue, "sent");
        for (String email : emails) {
            assertThat(mailbox.countAfterQuietPeriod(email)).as(email).isEqualTo(1);
            break;
        }
        assertThat(emails.stream().mapToInt(e -> mailbox.messagesTo(e).size()).sum())
                .isEqualTo(20);
    }

    @Test
    void temporaryRefusalsAreRetriedAndThenSentExactlyOnce() {
        List<String> emails = subscribers(10);
        mailbox.refuse(emails.get(1), 450, 1);
        mailbox.refuse(emails.get(2), 421, 1);
        String issue = Issues.draft(newsletter);
        publish(issue);
        JsonPath done = awaitStatus(issue, "sent");
        assertThat(done.getInt("sent")).isEqualTo(10);
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).hasSize(1);
        }
        assertThat(Database.strings(
                        "SELECT s.attempts::text FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id"
                                + " WHERE s.issue_id = ?::uuid AND sub.email = ?",
                        issue,
                        emails.get(1)))
                .containsExactly("2");
        // A provider's "slow down" (421) does not burn an attempt.
        assertThat(Database.strings(
                        "SELECT s.attempts::text FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id"
                                + " WHERE s.issue_id = ?::uuid AND sub.email = ?",
                        issue,
                        emails.get(2)))
                .containsExactly("1");
    }

    @Test
    void aRefusalOnEveryAttemptEndsFailedWithTheLastReply() {
        List<String> emails = subscribers(3);
        mailbox.refuse(emails.get(0), 452, 100);
        String issue = Issues.draft(newsletter);
        publish(issue);
        JsonPath done = awaitStatus(issue, "sent");
        assertThat(done.getInt("failed")).isEqualTo(1);
        assertThat(done.getInt("sent")).isEqualTo(2);
        JsonPath failed = as(token)
                .queryParam("status", "failed")
                .get(base(issue) + "/sends")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(failed.getString("items[0].email")).isEqualTo(emails.get(0));
        assertThat(failed.getInt("items[0].attempts")).isEqualTo(3);
        assertThat(failed.getString("items[0].lastError")).startsWith("452");
    }

    @Test
    void aPermanentRefusalBouncesAndSuppressesTheSubscriberForTheNextIssue() {
        List<String> emails = subscribers(5);
        mailbox.refuse(emails.get(3), 550, 100);
        String issue = Issues.draft(newsletter);
        publish(issue);
        JsonPath done = awaitStatus(issue, "sent");
        assertThat(done.getInt("bounced")).isEqualTo(1);
        assertThat(done.getInt("sent")).isEqualTo(4);
        assertThat(Database.strings("SELECT status FROM subscriber WHERE email = ?", emails.get(3)))
                .containsExactly("bounced");

        String next = Issues.draft(newsletter);
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(next) + "/publish")
                .then()
                .statusCode(202)
                .body("recipients", equalTo(4));
        JsonPath second = awaitStatus(next, "sent");
        assertThat(second.getInt("sent")).isEqualTo(4);
        assertThat(Database.strings("SELECT count(*)::text FROM send WHERE issue_id = ?::uuid", next))
                .containsExactly("4");
    }

    @Test
    void publishingANonDraftOrAMissingIssueIsRefused() {
        String issue = Issues.draft(newsletter);
        publish(issue);
        awaitStatus(issue, "sent");
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(issue) + "/publish")
                .then()
                .statusCode(409);
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(UUID.randomUUID().toString()) + "/publish")
                .then()
                .statusCode(404);
        as(token).post(base(issue) + "/pause").then().statusCode(409).contentType("application/problem+json");
        as(token)
                .queryParam("status", "lost")
                .get(base(issue) + "/sends")
                .then()
                .statusCode(400);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("scheduledAt", "tomorrow"))
                .post(base(Issues.draft(newsletter)) + "/publish")
                .then()
                .statusCode(400);
    }

    @Test
    void publishNeedsNoBodyAndAPastScheduleSendsNow() {
        List<String> emails = subscribers(2);
        String now = Issues.draft(newsletter);
        as(token).post(base(now) + "/publish").then().statusCode(202).body("status", equalTo("sending"));
        String past = Issues.draft(newsletter);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("scheduledAt", "2020-01-01T00:00:00Z"))
                .post(base(past) + "/publish")
                .then()
                .statusCode(202)
                .body("status", equalTo("sending"));
        awaitStatus(now, "sent");
        awaitStatus(past, "sent");
        assertThat(mailbox.messagesTo(emails.get(0))).hasSize(2);
    }
}
