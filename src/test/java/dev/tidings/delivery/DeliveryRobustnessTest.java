package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.Database;
import dev.tidings.testing.Issues;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Duplicated jobs, dead instances and garbage on the topic: nobody gets a mail twice, nobody none. */
@QuarkusTest
class DeliveryRobustnessTest extends WriterTest {

    DeliveryFixture f;

    @BeforeEach
    void setUp() {
        f = new DeliveryFixture(
                token, newsletter, "d" + UUID.randomUUID().toString().substring(0, 8) + ".example.com");
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static void produce(String... values) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(
                                TopicSetup.SEND_JOBS, UUID.randomUUID().toString(), value))
                        .get();
            }
        }
    }

    /** An issue already sending and planned, whose sends are queued but on no Kafka record yet. */
    private String sendingIssueWithQueuedSends(String status) {
        String issue = Issues.draft(f.newsletter());
        // The sends first: an issue that is sending, planned and has no open sends is finished by the
        // dispatcher's next tick, which could otherwise fall between the two statements.
        Database.update(
                "INSERT INTO send (id, issue_id, subscriber_id, status, lease_until)"
                        + " SELECT gen_random_uuid(), ?::uuid, id, ?, CASE WHEN ? = 'sending' THEN now() - interval '1 minute' END"
                        + " FROM subscriber WHERE newsletter_id = ?::uuid",
                issue,
                status,
                status,
                f.newsletter());
        Database.update(
                "UPDATE issue SET status = 'sending', published_at = now(), started_at = now(), planning_done = true,"
                        + " recipients = (SELECT count(*) FROM subscriber WHERE newsletter_id = ?::uuid) WHERE id = ?::uuid",
                f.newsletter(),
                issue);
        return issue;
    }

    @Test
    void theSameKafkaRecordConsumedTwiceSendsOnce() throws Exception {
        List<String> emails = f.subscribers(3);
        String issue = sendingIssueWithQueuedSends("queued");
        List<String> sends = Database.strings("SELECT id FROM send WHERE issue_id = ?::uuid", issue);
        String job = "{\"issueId\":\"" + issue + "\",\"sendIds\":[\"" + String.join("\",\"", sends) + "\"]}";
        produce(job, job);
        f.awaitStatus(issue, "sent");
        Thread.sleep(1500);
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).hasSize(1);
        }
    }

    @Test
    void sendsLeftByADeadInstanceAreReclaimedWhenTheirLeaseEnds() {
        List<String> emails = f.subscribers(4);
        String issue = sendingIssueWithQueuedSends("sending");
        f.awaitStatus(issue, "sent");
        assertThat(f.delivery(issue).getInt("sent")).isEqualTo(4);
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).hasSize(1);
        }
    }

    @Test
    void aBatchPlannedButNeverPutOnKafkaGoesOutOnceItsPlannerMustHaveDied() throws Exception {
        List<String> emails = f.subscribers(3);
        String issue = sendingIssueWithQueuedSends("queued");
        // As a planner leaves it that committed its batch and died before Kafka took the jobs; it
        // committed just now, so for all another replica knows it is still producing them.
        Database.update(
                "UPDATE issue SET planned_at = now(), (planned_upto_at, planned_upto) ="
                        + " (SELECT created_at, id FROM subscriber WHERE newsletter_id = ?::uuid"
                        + " ORDER BY created_at DESC, id DESC LIMIT 1) WHERE id = ?::uuid",
                f.newsletter(),
                issue);
        Thread.sleep(3000);
        assertThat(f.delivery(issue).getInt("queued"))
                .as("not produced again while its planner may still be at it")
                .isEqualTo(3);
        f.awaitStatus(issue, "sent");
        assertThat(Database.strings("SELECT (planned_upto = produced_upto)::text FROM issue WHERE id = ?::uuid", issue))
                .containsExactly("true");
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).hasSize(1);
        }
    }

    @Test
    void aBatchLeftUnproducedBeforePlannedAtExistedGoesOutToo() {
        List<String> emails = f.subscribers(2);
        String issue = sendingIssueWithQueuedSends("queued");
        // Planned by a version before V6 (no planned_at) and never produced: must not wait forever.
        Database.update(
                "UPDATE issue SET planned_at = NULL, (planned_upto_at, planned_upto) ="
                        + " (SELECT created_at, id FROM subscriber WHERE newsletter_id = ?::uuid"
                        + " ORDER BY created_at DESC, id DESC LIMIT 1) WHERE id = ?::uuid",
                f.newsletter(),
                issue);
        f.awaitStatus(issue, "sent");
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).hasSize(1);
        }
    }

    @Test
    void anUnreadableRecordGoesToTheDeadLetterTopicAndDoesNotBlockThePartition() throws Exception {
        List<String> emails = f.subscribers(2);
        String garbage = "not a send job " + UUID.randomUUID();
        String issue = sendingIssueWithQueuedSends("queued");
        List<String> sends = Database.strings("SELECT id FROM send WHERE issue_id = ?::uuid", issue);
        produce(garbage, "{\"issueId\":\"" + issue + "\",\"sendIds\":[\"" + String.join("\",\"", sends) + "\"]}");
        f.awaitStatus(issue, "sent");
        assertThat(emails.stream().mapToInt(e -> mailbox.messagesTo(e).size()).sum())
                .isEqualTo(2);

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(TopicSetup.DEAD_LETTERS));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (var record : records) {
                    if (garbage.equals(record.value())) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    @Test
    void anIssueWhoseTemplateNoLongerCompilesFailsItsSendsInsteadOfHoldingThem() {
        List<String> emails = f.subscribers(2);
        // Saved by an earlier version with laxer checks (today's API refuses it at save): the
        // consumer cannot compile it after claiming the sends.
        String broken = "<p>Hello {#if subscriber.name}{subscriber.name}{/for}</p>";
        dev.tidings.testing.Newsletters.as(f.token())
                .contentType(io.restassured.http.ContentType.JSON)
                .body(java.util.Map.of("subject", "Broken", "bodyHtml", broken))
                .post(dev.tidings.testing.ApiPaths.issues(f.newsletter()))
                .then()
                .statusCode(400);
        String issue = Issues.draft(f.newsletter(), "Broken", broken, "Hello");
        f.publish(issue);
        io.restassured.path.json.JsonPath delivery = f.awaitStatus(issue, "sent");
        assertThat(delivery.getInt("failed")).isEqualTo(2);
        assertThat(delivery.getInt("sending")).isZero();
        io.restassured.path.json.JsonPath failed = dev.tidings.testing.Newsletters.as(f.token())
                .queryParam("status", "failed")
                .get(f.base(issue) + "/sends")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(failed.getList("items.lastError", String.class)).hasSize(2).allSatisfy(error -> assertThat(error)
                .startsWith("not sent:")
                .doesNotContain("io.quarkus")
                .doesNotContain("Exception"));
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).isEmpty();
        }
    }

    @Test
    void resumingTwiceKeepsThePausedSendsToBePutOnKafkaAgain() {
        List<String> emails = f.subscribers(3);
        String issue = sendingIssueWithQueuedSends("queued");
        // Paused with its sends queued (their Kafka records were taken, and dropped, while it was
        // paused); a batch marked as being produced right now keeps the dispatcher off it meanwhile.
        Database.update(
                "UPDATE issue SET status = 'paused', planned_at = now(), planned_upto = gen_random_uuid(),"
                        + " planned_upto_at = now(), produced_upto = NULL WHERE id = ?::uuid",
                issue);
        dev.tidings.testing.Newsletters.as(f.token())
                .post(f.base(issue) + "/resume")
                .then()
                .statusCode(202);
        // A second click, a client's retry: resume is idempotent and must not drop the requeue.
        dev.tidings.testing.Newsletters.as(f.token())
                .post(f.base(issue) + "/resume")
                .then()
                .statusCode(202);
        assertThat(Database.strings("SELECT requeue::text FROM issue WHERE id = ?::uuid", issue))
                .containsExactly("true");
        Database.update(
                "UPDATE issue SET produced_upto = planned_upto, produced_upto_at = planned_upto_at"
                        + " WHERE id = ?::uuid",
                issue);
        f.awaitStatus(issue, "sent");
        for (String email : emails) {
            assertThat(mailbox.messagesTo(email)).as(email).hasSize(1);
        }
    }

    @Test
    void metricsCountWhatHappened() {
        f.subscribers(2);
        String issue = Issues.draft(f.newsletter());
        f.publish(issue);
        f.awaitStatus(issue, "sent");
        String metrics = dev.tidings.testing.Management.request()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(metrics)
                .contains("tidings_sends_total{outcome=\"sent\"")
                .contains("tidings_send_latency_seconds_count")
                .contains("tidings_sends_in_flight")
                .contains("kafka_consumer_fetch_manager_records_lag");
    }
}
