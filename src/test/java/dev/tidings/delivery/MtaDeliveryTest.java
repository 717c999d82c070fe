package dev.tidings.delivery;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RelayServers;
import dev.tidings.testing.RelaysProfile;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The delivery engine against receivers and relays that do not cooperate, over real SMTP servers
 * on TCP ports (three relays: {@link RelayServers}), PostgreSQL and Kafka: per-recipient
 * greylisting, a domain that throttles, a mailbox deferred forever, a relay killed mid-issue, a
 * relay's hourly limit.
 */
@QuarkusTest
@TestProfile(RelaysProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MtaDeliveryTest extends WriterTest {

    private static String domain() {
        return "m" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
    }

    private void pin(String token, String newsletterId, String relay, int status) {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("relay", relay))
                .patch(ApiPaths.newsletter(newsletterId))
                .then()
                .statusCode(status);
    }

    /** Publishes a draft to the newsletter's subscribers and answers how long until it was sent. */
    private Duration publishAndAwaitSent(DeliveryFixture f) {
        String issue = Issues.draft(f.newsletter());
        long started = System.nanoTime();
        f.publish(issue);
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "sent".equals(f.delivery(issue).getString("status")));
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private static Map<String, Long> perRecipient(Mailbox... boxes) {
        return java.util.Arrays.stream(boxes)
                .flatMap(b -> b.recipients().stream())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    @Order(1)
    void greylistingOneRecipientInTenDelaysOnlyThoseAndOnlyByTheFirstRetry() {
        pin(token, newsletter, "alpha", 200);
        // The clean time first, on the same relay, the same size.
        DeliveryFixture clean = new DeliveryFixture(token, newsletter, domain());
        clean.subscribers(2000);
        Duration cleanTime = publishAndAwaitSent(clean);

        String other = Newsletters.create(token, Newsletters.newSlug(), false);
        pin(token, other, "alpha", 200);
        DeliveryFixture grey = new DeliveryFixture(token, other, domain());
        List<String> emails = grey.subscribers(2000);
        RelayServers.ALPHA.greylist(grey.domain(), 10);
        long greylisted =
                emails.stream().filter(RelayServers.ALPHA::isGreylisted).count();
        assertThat(greylisted).isBetween(120L, 280L);
        Duration greyTime = publishAndAwaitSent(grey);

        System.out.printf(
                "greylisting: clean %d ms, 10%% greylisted %d ms (%d greylisted)%n",
                cleanTime.toMillis(), greyTime.toMillis(), greylisted);
        // First retry step (2 s) plus the clean time, with room for this VM's swings.
        assertThat(greyTime)
                .as("clean %s, greylisted %s", cleanTime, greyTime)
                .isLessThan(cleanTime.multipliedBy(3).dividedBy(2).plusSeconds(2 + 6));
        Map<String, Long> got = perRecipient(RelayServers.ALPHA);
        assertThat(emails).allSatisfy(e -> assertThat(got.get(e)).as(e).isEqualTo(1L));
        assertThat(RelayServers.ALPHA.greylistReplies()).isEqualTo((int) greylisted);
        // The greylisted ones took two counted attempts, the rest one; nobody was deferred.
        assertThat(Database.strings(
                        "SELECT s.attempts || '/' || s.deferrals || '/' || count(*) FROM send s"
                                + " JOIN subscriber sub ON sub.id = s.subscriber_id WHERE sub.newsletter_id = ?::uuid"
                                + " GROUP BY s.attempts, s.deferrals ORDER BY 1",
                        other))
                .containsExactly("1/0/" + (2000 - greylisted), "2/0/" + greylisted);
        JsonPath sends =
                as(token).get(grey.base(lastIssue(other)) + "/sends?limit=200").jsonPath();
        List<Map<String, Object>> withHistory = sends.getList("items.findAll { it.attempts == 2 }");
        assertThat(withHistory).isNotEmpty().allSatisfy(s -> {
            assertThat(s.get("relay")).isEqualTo("alpha");
            List<Map<String, Object>> history = (List<Map<String, Object>>) s.get("history");
            assertThat(history).hasSize(1);
            assertThat(history.get(0).get("reply").toString()).startsWith("451 4.7.1 Greylisted");
            assertThat(history.get(0).get("relay")).isEqualTo("alpha");
        });
    }

    private String lastIssue(String newsletterId) {
        return as(token).get(ApiPaths.issues(newsletterId)).jsonPath().getString("items[0].id");
    }

    @Test
    @Order(2)
    void aDomainThatThrottlesIsSlowedAloneAndItsDeferralsDoNotCountAsAttempts() {
        pin(token, newsletter, "alpha", 200);
        String throttled = domain();
        String calm = domain();
        List<String> slow = new DeliveryFixture(token, newsletter, throttled).subscribers(300);
        List<String> fine = new DeliveryFixture(token, newsletter, calm).subscribers(300);
        RelayServers.ALPHA.throttleDomain(throttled, 40);
        DeliveryFixture f = new DeliveryFixture(token, newsletter, throttled);
        String issue = Issues.draft(newsletter);
        f.publish(issue);
        Set<String> seenThrottled = new HashSet<>();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonPath details = as(token)
                            .get(f.base(issue) + "/delivery/details")
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
                    seenThrottled.addAll(details.getList("throttledDomains.domain", String.class));
                    List<Float> rates = details.getList("throttledDomains.ratePerSecond", Float.class);
                    List<Float> starts = details.getList("throttledDomains.startRatePerSecond", Float.class);
                    for (int i = 0; i < rates.size(); i++) {
                        assertThat(rates.get(i)).isLessThanOrEqualTo(starts.get(i));
                    }
                    return "sent".equals(f.delivery(issue).getString("status"));
                });
        assertThat(seenThrottled).as("only the domain that throttled is slowed").containsExactly(throttled);
        Map<String, Long> got = perRecipient(RelayServers.ALPHA);
        assertThat(slow).allSatisfy(e -> assertThat(got.get(e)).as(e).isEqualTo(1L));
        assertThat(fine).allSatisfy(e -> assertThat(got.get(e)).as(e).isEqualTo(1L));
        assertThat(RelayServers.ALPHA.throttleReplies()).isEqualTo(40);
        // Throttled sends were deferred, not charged attempts; the calm domain never was.
        assertThat(Database.strings(
                        "SELECT count(*) FILTER (WHERE s.deferrals > 0) || '/' || max(s.attempts)"
                                + " FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id"
                                + " WHERE s.issue_id = ?::uuid AND sub.email LIKE ?",
                        issue,
                        "%@" + throttled))
                .singleElement()
                .satisfies(v -> {
                    assertThat(Integer.parseInt(v.split("/")[0])).isGreaterThan(0);
                    assertThat(v.split("/")[1]).isEqualTo("1");
                });
        assertThat(Database.strings(
                        "SELECT count(*) FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id"
                                + " WHERE s.issue_id = ?::uuid AND sub.email LIKE ? AND (s.deferrals > 0 OR s.attempts <> 1)",
                        issue,
                        "%@" + calm))
                .containsExactly("0");
    }

    @Test
    @Order(3)
    void aMailboxDeferredForeverFailsOnceItsSendIsOlderThanMaxAge() {
        pin(token, newsletter, "alpha", 200);
        DeliveryFixture f = new DeliveryFixture(token, newsletter, domain());
        List<String> emails = f.subscribers(3);
        RelayServers.ALPHA.refuse(emails.get(0), 451, 10_000);
        String issue = Issues.draft(newsletter);
        f.publish(issue);
        JsonPath done = f.awaitStatus(issue, "sent");
        assertThat(done.getInt("sent")).isEqualTo(2);
        assertThat(done.getInt("failed")).isEqualTo(1);
        JsonPath failed = as(token).get(f.base(issue) + "/sends?status=failed").jsonPath();
        assertThat(failed.getString("items[0].email")).isEqualTo(emails.get(0));
        assertThat(failed.getString("items[0].lastError"))
                .startsWith("gave up after 25 seconds (tidings.delivery.max-age): 451");
        // Given up by age, before the 20-step schedule was used up.
        assertThat(failed.getInt("items[0].attempts")).isBetween(5, 19);
        assertThat(failed.getList("items[0].history"))
                .hasSizeLessThanOrEqualTo(10)
                .isNotEmpty();
    }

    @Test
    @Order(4)
    void aRelayWithAnHourlyLimitDeliversItsLimitThenWaitsForTheNextHour() {
        // Only its owner may pin the limited relay; an unknown relay is refused too.
        pin(token, newsletter, "limited", 400);
        pin(token, newsletter, "nowhere", 400);
        String owner = Accounts.tokenFor(mailbox, RelayServers.LIMITED_OWNER);
        String limited = Newsletters.create(owner, Newsletters.newSlug(), false);
        pin(owner, limited, "limited", 200);
        DeliveryFixture f = new DeliveryFixture(owner, limited, domain());
        List<String> emails = f.subscribers(300);
        String issue = Issues.draft(limited);
        f.publish(issue);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> RelayServers.LIMITED.recipients().size() >= 100);
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(RelayServers.LIMITED.recipients()).hasSize(100);
        JsonPath progress = f.delivery(issue);
        assertThat(progress.getString("status")).isEqualTo("sending");
        assertThat(progress.getInt("sent")).isEqualTo(100);
        assertThat(progress.getInt("retrying")).isEqualTo(200);
        assertThat(progress.getInt("failed")).isZero();
        JsonPath waiting =
                as(owner).get(f.base(issue) + "/sends?status=retrying&limit=5").jsonPath();
        assertThat(waiting.getList("items.lastError", String.class)).allSatisfy(e -> assertThat(e)
                .startsWith("waiting: the hourly (100) limit of relay limited is used up"));
        JsonPath details = as(owner).get(f.base(issue) + "/delivery/details").jsonPath();
        assertThat(details.getList("relays.name")).containsExactly("limited");
        assertThat(details.getBoolean("relays[0].pinned")).isTrue();
        assertThat(details.getInt("relays[0].hour.used")).isEqualTo(100);
        assertThat(details.getInt("relays[0].hour.limit")).isEqualTo(100);
        assertThat(details.getInt("relays[0].sent")).isEqualTo(100);

        // An hour passes (the relay clock, and the retry times the database set by it).
        for (int hour = 1; hour <= 2; hour++) {
            // Every send of the window judged first (none claimed or queued), then the hour passes.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonPath now = f.delivery(issue);
                return now.getInt("sending") + now.getInt("queued") == 0;
            });
            ShiftableRelayClock.advance(Duration.ofHours(1));
            Database.update(
                    "UPDATE send SET next_attempt_at = now() WHERE issue_id = ?::uuid AND status = 'retrying'", issue);
            int expected = 100 * (hour + 1);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> RelayServers.LIMITED.recipients().size() >= expected);
        }
        f.awaitStatus(issue, "sent");
        Map<String, Long> got = perRecipient(RelayServers.LIMITED);
        assertThat(emails).allSatisfy(e -> assertThat(got.get(e)).as(e).isEqualTo(1L));
    }

    @Test
    @Order(5)
    void aRelayKilledMidIssueHandsItsMailToTheOtherAndEveryoneGetsItOnce() {
        DeliveryFixture f = new DeliveryFixture(token, newsletter, domain());
        List<String> emails = f.subscribers(1000);
        String issue = Issues.draft(newsletter);
        int before = RelayServers.ALPHA.recipients().size()
                + RelayServers.BETA.recipients().size();
        f.publish(issue);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> RelayServers.ALPHA.recipients().size()
                                + RelayServers.BETA.recipients().size()
                        >= before + 150);
        RelayServers.kill("beta");
        int betaAtKill = RelayServers.BETA.recipients().size();
        f.awaitStatus(issue, "sent");
        Map<String, Long> got = perRecipient(RelayServers.ALPHA, RelayServers.BETA);
        Map<String, Long> onBeta = perRecipient(RelayServers.BETA);
        List<String> twice =
                emails.stream().filter(e -> got.getOrDefault(e, 0L) > 1).toList();
        System.out.printf("relay kill: %d delivered twice: %s%n", twice.size(), twice);
        // Everyone got it. A mail can only be twice if beta took it as it was killed and the answer
        // was lost with the connection (RFC 1047): one copy on beta, one on alpha, at most what was
        // in flight at the kill.
        assertThat(emails).allSatisfy(e -> assertThat(got.get(e)).as(e).isBetween(1L, 2L));
        assertThat(twice)
                .hasSizeLessThanOrEqualTo(64)
                .allSatisfy(e -> assertThat(onBeta.get(e)).as(e).isEqualTo(1L));
        assertThat(f.delivery(issue).getInt("sent")).isEqualTo(1000);
        JsonPath details = as(token).get(f.base(issue) + "/delivery/details").jsonPath();
        assertThat(details.getList("relays.name")).containsExactly("alpha", "beta");
        long alpha = details.getLong("relays[0].sent");
        long beta = details.getLong("relays[1].sent");
        assertThat(alpha + beta).isEqualTo(1000);
        assertThat(beta).isPositive().isLessThanOrEqualTo(betaAtKill);
        assertThat(details.getString("relays[1].lastFault")).contains("connect");
    }
}
