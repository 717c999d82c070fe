package dev.tidings.delivery;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sending to a segment or an inline rule through the real pipeline (PostgreSQL, Kafka, SMTP): the
 * matching active subscribers get the issue exactly once, nobody else gets it, and the count
 * endpoint, publish's recipients and the delivery agree.
 */
@QuarkusTest
class AudienceDeliveryTest extends WriterTest {

    private static final int READERS = 240;

    DeliveryFixture f;
    String domain;

    @BeforeEach
    void setUp() {
        domain = "a" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
        f = new DeliveryFixture(token, newsletter, domain);
    }

    private String email(int i) {
        return "reader" + i + "@" + domain;
    }

    /** Reader i: tagged "vip" when i % 3 == 0, "early" when i % 4 == 0; plan "pro" when i % 5 == 0. */
    private void importReaders() {
        String csv = "email,name,tags,plan\n"
                + IntStream.range(0, READERS)
                        .mapToObj(i -> email(i) + ",Reader " + i + ","
                                + (i % 3 == 0 ? "vip" : "") + (i % 3 == 0 && i % 4 == 0 ? ";" : "")
                                + (i % 4 == 0 ? "early" : "") + "," + (i % 5 == 0 ? "pro" : "free"))
                        .collect(Collectors.joining("\n"));
        String location = Newsletters.startImport(token, newsletter, csv);
        assertThat(Newsletters.awaitImport(token, location, Duration.ofSeconds(60))
                        .getString("status"))
                .isEqualTo("done");
        // Two matching readers who left must not be mailed.
        Database.update(
                "UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now()"
                        + " WHERE newsletter_id = ?::uuid AND email IN (?, ?)",
                newsletter,
                email(0),
                email(3));
    }

    private static boolean vipOrProEarly(int i) {
        return i % 3 == 0 || (i % 5 == 0 && i % 4 == 0);
    }

    private static final Map<String, Object> RULE = Map.of(
            "any",
            List.of(
                    Map.of("tag", "vip"),
                    Map.of(
                            "all",
                            List.of(Map.of("tag", "early"), Map.of("attribute", "plan", "op", "eq", "value", "pro")))));

    private String segment(Object rule) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "VIPs and early pros", "rule", rule))
                .post(ApiPaths.newsletter(newsletter) + "/segments")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private String draft(Map<String, Object> audience) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "For some of you, {subscriber.name}",
                        "bodyMarkdown", "Hello!",
                        "audience", audience))
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private void assertOnlyMatchesGotItOnce(int expected) throws InterruptedException {
        Thread.sleep(1000); // a late duplicate would show up by now
        int mailed = 0;
        for (int i = 0; i < READERS; i++) {
            int got = mailbox.messagesTo(email(i)).size();
            boolean shouldGet = vipOrProEarly(i) && i != 0 && i != 3;
            assertThat(got).as("%s (reader %d)", email(i), i).isEqualTo(shouldGet ? 1 : 0);
            mailed += got;
        }
        assertThat(mailed).isEqualTo(expected);
    }

    @Test
    void aSegmentPublishReachesExactlyTheMatchingActiveSubscribersOnce() throws Exception {
        importReaders();
        long expected = IntStream.range(0, READERS)
                .filter(AudienceDeliveryTest::vipOrProEarly)
                .filter(i -> i != 0 && i != 3)
                .count();
        JsonPath counted = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", RULE))
                .post(ApiPaths.newsletter(newsletter) + "/segments/count")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(counted.getLong("active")).isEqualTo(expected);
        assertThat(counted.getLong("total")).isEqualTo(expected + 2);

        String segment = segment(RULE);
        String issue = draft(Map.of("segmentId", segment));
        String key = "audience-" + issue;
        for (int attempt = 0; attempt < 2; attempt++) {
            as(token)
                    .header("Idempotency-Key", key)
                    .contentType(ContentType.JSON)
                    .body("{}")
                    .post(f.base(issue) + "/publish")
                    .then()
                    .statusCode(202)
                    .body("recipients", equalTo((int) expected));
        }
        // The segment changes after publishing: the issue keeps the rule it was published with.
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("rule", Map.of("all", List.of(Map.of("tag", "early")))))
                .patch(ApiPaths.newsletter(newsletter) + "/segments/" + segment)
                .then()
                .statusCode(200);
        JsonPath done = f.awaitStatus(issue, "sent");
        assertThat(done.getInt("recipients")).isEqualTo((int) expected);
        assertThat(done.getInt("sent")).isEqualTo((int) expected);
        as(token)
                .get(f.base(issue))
                .then()
                .body("audience.segmentId", equalTo(segment))
                .body("audience.rule.any[0].tag", equalTo("vip"));
        assertOnlyMatchesGotItOnce((int) expected);
    }

    @Test
    void aScheduledIssueWithAnInlineRuleFreezesItsAudienceWhenItStarts() throws Exception {
        importReaders();
        String issue = draft(Map.of("rule", Map.of("all", List.of(Map.of("tag", "vip")))));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("scheduledAt", Instant.now().plusSeconds(3).toString()))
                .post(f.base(issue) + "/publish")
                .then()
                .statusCode(202)
                .body("status", equalTo("scheduled"))
                .body("recipients", equalTo(READERS / 3 - 2));
        JsonPath done = f.awaitStatus(issue, "sent");
        assertThat(done.getInt("sent")).isEqualTo(READERS / 3 - 2);
        Thread.sleep(1000);
        for (int i = 0; i < READERS; i++) {
            boolean shouldGet = i % 3 == 0 && i != 0 && i != 3;
            assertThat(mailbox.messagesTo(email(i)).size()).as(email(i)).isEqualTo(shouldGet ? 1 : 0);
        }
    }
}
