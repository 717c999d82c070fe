package dev.tidings.engagement;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.common.EngagementEvent;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opens and clicks end to end: a real mail through SMTP, its tracked links and pixel followed
 * over HTTP, the events through Kafka into the report; machines apart, forged tokens recorded
 * nowhere, redelivered events counted once, erasure and retention.
 */
@QuarkusTest
class EngagementTest extends WriterTest {

    private static final String CHROME =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static final Pattern CLICK = Pattern.compile("href=\"([^\"]*/t/c/[^\"]+)\"");
    private static final Pattern OPEN = Pattern.compile("src=\"([^\"]*/t/o/[^\"]+)\"");

    @Inject
    EventRetention retention;

    String domain;

    @BeforeEach
    void tracking() {
        domain = "e" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("trackOpens", true, "trackClicks", true))
                .patch(ApiPaths.newsletter(newsletter))
                .then()
                .statusCode(200)
                .body("trackOpens", equalTo(true))
                .body("trackClicks", equalTo(true));
    }

    private String reader(int i) {
        return "reader" + i + "@" + domain;
    }

    private String publish(int readers) {
        for (int i = 0; i < readers; i++) {
            Newsletters.addSubscriber(token, newsletter, reader(i), "active");
        }
        String html = "<p>Hello {subscriber.name}</p>"
                + "<p><a href=\"https://example.com/a?x=1&amp;y=2\">First</a>"
                + " <a href='https://example.org/b'>Second</a>"
                + " <a href=\"https://example.com/a?x=1&amp;y=2\">First again</a>"
                + " <a href=\"https://example.net/u/{subscriber.email}\">Yours</a>"
                + " <a href=\"http://localhost:8080/p/" + slug + "/archive\">Archive</a></p>"
                + "<p><a href=\"{unsubscribeUrl}\">Unsubscribe</a></p>";
        String issue = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "subject", "Tracked", "bodyHtml", html, "bodyText", "First: https://example.com/a?x=1&y=2"))
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
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "sent"
                        .equals(as(token)
                                .get(ApiPaths.issue(newsletter, issue) + "/delivery")
                                .then()
                                .extract()
                                .path("status")));
        return issue;
    }

    private MimeMessage mail(int i) {
        return mailbox.awaitMessage(reader(i), 1);
    }

    private static List<String> clicks(MimeMessage mail) {
        List<String> links = new ArrayList<>();
        Matcher m = CLICK.matcher(Mailbox.part(mail, "text/html").orElseThrow());
        while (m.find()) {
            links.add(path(m.group(1)));
        }
        return links;
    }

    private static String pixel(MimeMessage mail) {
        Matcher m = OPEN.matcher(Mailbox.part(mail, "text/html").orElseThrow());
        assertThat(m.find()).isTrue();
        return path(m.group(1));
    }

    private static String path(String url) {
        return URI.create(url.replace("&amp;", "&")).getRawPath();
    }

    private static Response get(String path, String userAgent) {
        return RestAssured.given()
                .redirects()
                .follow(false)
                .header("User-Agent", userAgent)
                .get(path);
    }

    private void deliveredAgo(String issue, int i, String interval) {
        Database.update(
                "UPDATE send SET sent_at = now() - ?::interval WHERE issue_id = ?::uuid AND subscriber_id ="
                        + " (SELECT id FROM subscriber WHERE email = ?)",
                interval,
                issue,
                reader(i));
    }

    private JsonPath report(String issue) {
        return as(token)
                .get(ApiPaths.issue(newsletter, issue) + "/report")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void opensAndClicksFromARealMailLandInTheReportOnceEachWithMachinesApart() throws Exception {
        String issue = publish(3);
        MimeMessage human = mail(0);
        String html = Mailbox.part(human, "text/html").orElseThrow();
        String text = Mailbox.part(human, "text/plain").orElseThrow();
        List<String> links = clicks(human);
        assertThat(links)
                .as("the two fixed links (the repeated one twice); not the personal, archive or unsubscribe ones")
                .hasSize(3);
        assertThat(links.get(0)).isEqualTo(links.get(2));
        assertThat(html)
                .contains("https://example.net/u/")
                .contains("/p/" + slug + "/archive")
                .contains("/p/" + slug + "/unsubscribe?token=");
        assertThat(text).contains("https://example.com/a?x=1&y=2").doesNotContain("/t/c/");
        String tracking = links.get(0).substring(links.get(0).lastIndexOf('/') + 1);
        String payload = new String(
                Base64.getUrlDecoder().decode(tracking.substring(0, tracking.indexOf('.'))),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(payload).doesNotContain("reader0").doesNotContain(domain);

        for (int i = 0; i < 3; i++) {
            deliveredAgo(issue, i, "1 hour");
        }
        // Reader 0, a person: two opens, the first link twice, then (later) the second link.
        for (int i = 0; i < 2; i++) {
            get(pixel(human), CHROME).then().statusCode(200).contentType("image/gif");
        }
        get(links.get(0), CHROME)
                .then()
                .statusCode(302)
                .header("Location", "https://example.com/a?x=1&y=2")
                .header("Referrer-Policy", "no-referrer");
        get(links.get(2) + "?url=https://evil.example", CHROME)
                .then()
                .statusCode(302)
                .header("Location", "https://example.com/a?x=1&y=2");
        Thread.sleep(1300); // past the scanner window
        get(links.get(1), CHROME).then().statusCode(302).header("Location", "https://example.org/b");
        // Reader 1: Apple's Mail Privacy Protection prefetches the pixel.
        get(pixel(mail(1)), "Mozilla/5.0").then().statusCode(200);
        // Reader 2: an open right at delivery, then a scanner following every link at once.
        deliveredAgo(issue, 2, "0 seconds");
        get(pixel(mail(2)), CHROME).then().statusCode(200);
        deliveredAgo(issue, 2, "1 hour");
        List<String> scanned = clicks(mail(2));
        get(scanned.get(0), CHROME).then().statusCode(302);
        get(scanned.get(1), CHROME).then().statusCode(302);

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    JsonPath r = report(issue);
                    assertThat(r.getInt("opens.total") + r.getInt("opens.machine"))
                            .isEqualTo(4);
                    assertThat(r.getInt("clicks.total") + r.getInt("clicks.machine"))
                            .isEqualTo(5);
                });
        JsonPath r = report(issue);
        assertThat(r.getInt("recipients")).isEqualTo(3);
        assertThat(r.getInt("delivered")).isEqualTo(3);
        assertThat(r.getInt("opens.unique")).isEqualTo(1);
        assertThat(r.getInt("opens.total")).isEqualTo(2);
        assertThat(r.getInt("opens.machine")).isEqualTo(2);
        assertThat(r.getInt("clicks.unique")).isEqualTo(1);
        assertThat(r.getInt("clicks.total")).isEqualTo(3);
        assertThat(r.getInt("clicks.machine")).isEqualTo(2);
        assertThat(r.getList("links.url")).containsExactly("https://example.com/a?x=1&y=2", "https://example.org/b");
        assertThat(r.getList("links.total", Integer.class)).containsExactly(2, 1);
        assertThat(r.getList("links.unique", Integer.class)).containsExactly(1, 1);
        assertThat(r.getList("timeline.opens", Integer.class).stream()
                        .mapToInt(Integer::intValue)
                        .sum())
                .isEqualTo(2);
        assertThat(r.getList("timeline.clicks", Integer.class).stream()
                        .mapToInt(Integer::intValue)
                        .sum())
                .isEqualTo(3);

        // The subscriber's activity: the mail, the opens and the clicks with their links.
        String sid = Database.strings("SELECT id FROM subscriber WHERE email = ?", reader(0))
                .get(0);
        JsonPath activity = as(token)
                .get(ApiPaths.subscriber(newsletter, sid) + "/activity")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(activity.getList("items.type"))
                .containsExactlyInAnyOrder("click", "click", "click", "open", "open", "sent");
        assertThat(activity.getList("items.url")).contains("https://example.org/b");
        assertThat(activity.getString("items[0].type")).isEqualTo("click");
    }

    @Test
    void tamperedTokensAnswerAndRecordNothing() throws Exception {
        String issue = publish(1);
        deliveredAgo(issue, 0, "1 hour");
        MimeMessage mail = mail(0);
        String click = clicks(mail).get(0);
        String open = pixel(mail);
        String forgedClick = click.substring(0, click.length() - 3) + (click.endsWith("AAA") ? "BBB" : "AAA");
        get(forgedClick, CHROME)
                .then()
                .statusCode(302)
                .header("Location", org.hamcrest.Matchers.endsWith("/p/" + slug + "/archive"));
        get("/t/c/nonsense", CHROME).then().statusCode(404);
        get(open.substring(0, open.length() - 2) + "xx", CHROME)
                .then()
                .statusCode(200)
                .contentType("image/gif");
        get("/t/o/" + "A".repeat(300), CHROME).then().statusCode(200);
        // A click token is no open token (and the other way round).
        get("/t/o/" + click.substring(click.lastIndexOf('/') + 1), CHROME)
                .then()
                .statusCode(200);
        get("/t/c/" + open.substring(open.lastIndexOf('/') + 1), CHROME).then().statusCode(302);
        // One genuine open afterwards, to know the consumer has caught up.
        get(open, CHROME).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> report(issue).getInt("opens.total") == 1);
        Thread.sleep(500);
        JsonPath r = report(issue);
        assertThat(r.getInt("opens.total") + r.getInt("opens.machine")).isEqualTo(1);
        assertThat(r.getInt("clicks.total") + r.getInt("clicks.machine")).isZero();
    }

    @Test
    void aRedeliveredEventCountsOnceAndErasureDeletesTheEvents() throws Exception {
        String issue = publish(1);
        deliveredAgo(issue, 0, "1 hour");
        String sid = Database.strings("SELECT id FROM subscriber WHERE email = ?", reader(0))
                .get(0);
        String send = Database.strings("SELECT id FROM send WHERE issue_id = ?::uuid", issue)
                .get(0);
        String event = "{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"open\",\"issueId\":\"" + issue
                + "\",\"sendId\":\"" + send + "\",\"machine\":false,\"at\":\"" + java.time.Instant.now() + "\"}";
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(EngagementEvent.TOPIC, issue, event))
                        .get();
            }
            producer.send(new ProducerRecord<>(EngagementEvent.TOPIC, issue, "not an event"))
                    .get();
        }
        get(pixel(mail(0)), CHROME).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> report(issue).getInt("opens.total") == 2);
        Thread.sleep(500);
        assertThat(report(issue).getInt("opens.total")).isEqualTo(2);
        assertThat(report(issue).getInt("opens.unique")).isEqualTo(1);

        as(token).delete(ApiPaths.subscriber(newsletter, sid)).then().statusCode(204);
        assertThat(Database.strings("SELECT count(*) FROM engagement_event WHERE subscriber_id = ?::uuid", sid))
                .containsExactly("0");
        assertThat(report(issue).getInt("opens.total"))
                .as("the aggregates stay")
                .isEqualTo(2);
    }

    @Test
    void rawEventsPastTheRetentionAreDeletedAndAggregatesKept() {
        String issue = publish(1);
        String sid = Database.strings("SELECT id FROM subscriber WHERE email = ?", reader(0))
                .get(0);
        Database.update(
                "INSERT INTO engagement_event (id, type, issue_id, subscriber_id, at) VALUES"
                        + " (gen_random_uuid(), 'open', ?::uuid, ?::uuid, now() - interval '91 days'),"
                        + " (gen_random_uuid(), 'open', ?::uuid, ?::uuid, now() - interval '89 days')",
                issue,
                sid,
                issue,
                sid);
        retention.expireAll(0).await().indefinitely();
        assertThat(Database.strings("SELECT count(*) FROM engagement_event WHERE subscriber_id = ?::uuid", sid))
                .containsExactly("1");
    }

    @Test
    void unsubscribesAreCountedAgainstTheIssueAndTrackingIsOffByDefault() throws Exception {
        String issue = publish(1);
        String unsubscribe = Mailbox.header(mail(0), "List-Unsubscribe");
        URI uri = URI.create(unsubscribe.substring(1, unsubscribe.indexOf('>')));
        RestAssured.given()
                .contentType("application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .post(uri.getRawPath() + "?" + uri.getRawQuery())
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> report(issue).getInt("unsubscribed") == 1);

        String plain = Newsletters.create(token, Newsletters.newSlug(), false);
        as(token)
                .get(ApiPaths.newsletter(plain))
                .then()
                .body("trackOpens", equalTo(false))
                .body("trackClicks", equalTo(false));
    }
}
