package dev.tidings.delivery;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Send-record retention through the real pipeline: an issue finished longer ago than {@code
 * tidings.delivery.send-retention} loses its per-send rows (in batches of {@code
 * send-retention-batch}, 7 in tests) and keeps its counts, its relay counts, its delivery view and
 * its archive page; an issue finished recently keeps everything.
 */
@QuarkusTest
class SendRetentionTest extends WriterTest {

    private static final int READERS = 25;

    @Inject
    SendRetention retention;

    private static long sendsOf(String issue) {
        return Long.parseLong(Database.strings("SELECT count(*) FROM send WHERE issue_id = ?::uuid", issue)
                .get(0));
    }

    @Test
    void anIssueFinishedLongerAgoThanTheRetentionKeepsItsCountsAndLosesItsSendRows() {
        String domain = "r" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
        DeliveryFixture f = new DeliveryFixture(token, newsletter, domain);
        f.subscribers(READERS);
        String old = Issues.draft(newsletter, "Sent in spring", "<p>Hello {subscriber.name}</p>", null);
        String recent = Issues.draft(newsletter, "Sent last week", "<p>Hello again</p>", null);
        f.publish(old);
        JsonPath before = f.awaitStatus(old, "sent");
        f.publish(recent);
        f.awaitStatus(recent, "sent");
        JsonPath relaysBefore = as(token).get(f.base(old) + "/delivery/details").jsonPath();
        assertThat(sendsOf(old)).isEqualTo(READERS);
        assertThat(before.getInt("sent")).isEqualTo(READERS);
        assertThat(before.getString("sendsRolledUpAt")).isNull();

        // Finished 91 days ago: past the default retention of 90 days. The other issue, a week ago.
        Database.update("UPDATE issue SET finished_at = now() - interval '91 days' WHERE id = ?::uuid", old);
        Database.update("UPDATE issue SET finished_at = now() - interval '7 days' WHERE id = ?::uuid", recent);
        long deleted = retention.rollUp().await().atMost(Duration.ofSeconds(60));

        assertThat(deleted).isGreaterThanOrEqualTo(READERS);
        assertThat(sendsOf(old)).isZero();
        assertThat(sendsOf(recent)).isEqualTo(READERS);
        assertThat(Database.strings(
                        "SELECT deleted || ' ' || (done_at IS NOT NULL) FROM send_rollup WHERE issue_id = ?::uuid",
                        old))
                .containsExactly(READERS + " true");
        assertThat(Database.strings("SELECT 1 FROM send_rollup WHERE issue_id = ?::uuid", recent))
                .isEmpty();

        // The delivery view: the same counts, and since when the records are gone.
        JsonPath after = f.delivery(old);
        for (String field : List.of("status", "recipients", "sent", "failed", "bounced", "skipped", "queued")) {
            assertThat(after.getString(field)).as(field).isEqualTo(before.getString(field));
        }
        assertThat(after.getString("finishedAt")).isNotNull();
        assertThat(after.getString("sendsRolledUpAt")).isNotNull();
        assertThat(f.delivery(recent).getString("sendsRolledUpAt")).isNull();
        // The relay counts as they were.
        JsonPath relaysAfter = as(token).get(f.base(old) + "/delivery/details").jsonPath();
        List<Map<String, Object>> relaysThen = relaysBefore.getList("relays");
        assertThat(relaysThen).isNotEmpty();
        assertThat(relaysAfter.getList("relays.sent")).isEqualTo(relaysBefore.getList("relays.sent"));
        assertThat(relaysAfter.getList("relays.name")).isEqualTo(relaysBefore.getList("relays.name"));
        // The sends list is empty; the other issue's is whole.
        as(token).get(f.base(old) + "/sends").then().statusCode(200).body("items.size()", org.hamcrest.Matchers.is(0));
        as(token)
                .get(f.base(recent) + "/sends?limit=100")
                .then()
                .statusCode(200)
                .body("items.size()", org.hamcrest.Matchers.is(READERS));
        // The archive page is the issue's, not its sends'.
        assertThat(RestAssured.get("/p/" + slug + "/archive/" + old)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .contains("Sent in spring");

        // Once rolled up, nothing more to do: a second run deletes nothing of it and changes no count.
        retention.rollUp().await().atMost(Duration.ofSeconds(60));
        assertThat(Database.strings("SELECT deleted FROM send_rollup WHERE issue_id = ?::uuid", old))
                .containsExactly(String.valueOf(READERS));
        assertThat(f.delivery(old).getInt("sent")).isEqualTo(READERS);
    }
}
