package dev.tidings.subscriber;

import static dev.tidings.testing.Accounts.client;
import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a writer or an anonymous client can try against subscribers: learning whether an address
 * is on a list from the answer's timing, bringing back someone who left, mailing arbitrary
 * addresses, and tying up imports.
 */
@QuarkusTest
class SubscriberAbuseTest {

    @InjectMailbox
    Mailbox mailbox;

    @Inject
    PublicLinks links;

    @Inject
    ImportService importService;

    String token;
    String slug;
    String newsletter;

    @BeforeEach
    void setUp() {
        token = Accounts.tokenFor(mailbox, newEmail());
        slug = newSlug();
        newsletter = Newsletters.create(token, slug, true);
    }

    private long timeSubscribe(String email) {
        long started = System.nanoTime();
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202);
        return (System.nanoTime() - started) / 1_000;
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    @Test
    void subscribeAnswersAsFastForANewAddressAsForAKnownOne() {
        // The receiving server takes 400 ms per recipient: a response that waited for the
        // confirmation mail would show which addresses were new.
        String domain = "slow-" + UUID.randomUUID().toString().substring(0, 8) + ".example.org";
        mailbox.slowDomain(domain, Duration.ofMillis(400));
        String known = "known@" + domain;
        Newsletters.addSubscriber(token, newsletter, known, "active");
        List<Long> fresh = new ArrayList<>();
        List<Long> again = new ArrayList<>();
        List<Long> gaps = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // warm-up
            timeSubscribe(known);
            timeSubscribe("warm" + i + "@" + domain);
        }
        // Pairs taken back to back, in alternating order, compared pair by pair: a machine that
        // slows down or speeds up during the test moves both halves of a pair alike.
        for (int i = 0; i < 21; i++) {
            long n;
            long k;
            if (i % 2 == 0) {
                n = timeSubscribe("new" + i + "@" + domain);
                k = timeSubscribe(known);
            } else {
                k = timeSubscribe(known);
                n = timeSubscribe("new" + i + "@" + domain);
            }
            fresh.add(n);
            again.add(k);
            gaps.add(n - k);
        }
        long a = median(fresh);
        long b = median(again);
        long gap = median(gaps);
        assertThat(Math.abs(gap))
                .as(
                        "median µs new %d vs known %d, median gap per pair %d: within 20 %% (or 10 ms on a noisy machine)",
                        a, b, gap)
                .isLessThanOrEqualTo(Math.max(Math.max(a, b) / 5, 10_000));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> mailbox.messagesTo("new20@" + domain).size() == 1);
    }

    @Test
    void anErasedUnsubscriberCannotBeAddedBackByTheWriter() {
        String email = "left-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        String sid = Newsletters.addSubscriber(token, newsletter, email, "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "unsubscribed"))
                .patch(ApiPaths.subscriber(newsletter, sid))
                .then()
                .statusCode(200);
        as(token).delete(ApiPaths.subscriber(newsletter, sid)).then().statusCode(204);

        Response again = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", email.toUpperCase()))
                .post(ApiPaths.subscribers(newsletter));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.jsonPath().getString("type")).isEqualTo("/problems/suppressed");
        String location = Newsletters.startImport(token, newsletter, "email\n" + email + "\n");
        JsonPath result = Newsletters.awaitImport(token, location, Duration.ofSeconds(20));
        assertThat(result.getInt("created")).isZero();
        assertThat(result.getString("errors[0].message")).contains("unsubscribed");
        // Only the address itself: no address is stored for the suppression, only a keyed hash.
        assertThat(Database.strings("SELECT count(*) FROM subscriber WHERE lower(email) = lower(?)", email))
                .containsExactly("0");

        // The person may come back on their own, confirming by mail.
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202);
        mailbox.awaitMessage(email, 1);
    }

    @Test
    void theUnsubscribePageFormPostsToTheNewslettersOwnSlug() {
        String sid = Newsletters.addSubscriber(token, newsletter, newEmail(), "active");
        URI link = URI.create(links.unsubscribeUrl(slug, UUID.fromString(newsletter), UUID.fromString(sid)));
        String tokenParam = link.getRawQuery();
        String page = RestAssured.given()
                .get("/p/" + slug + "/unsubscribe?" + tokenParam)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(page).contains("action=\"/p/" + slug + "/unsubscribe?");
        // Under a slug that names no newsletter, or another one, the token is refused.
        String otherSlug = newSlug();
        Newsletters.create(token, otherSlug, true);
        for (String wrongSlug : List.of(newSlug(), otherSlug)) {
            RestAssured.given()
                    .get("/p/" + wrongSlug + "/unsubscribe?" + tokenParam)
                    .then()
                    .statusCode(400);
            RestAssured.given()
                    .contentType("application/x-www-form-urlencoded")
                    .body("List-Unsubscribe=One-Click")
                    .post("/p/" + wrongSlug + "/unsubscribe?" + tokenParam)
                    .then()
                    .statusCode(400);
        }
        assertThat(Database.strings("SELECT status FROM subscriber WHERE id = ?::uuid", sid))
                .containsExactly("active");
    }

    @Test
    void confirmationMailsAWriterTriggersAreLimitedPerAccount() {
        int quota = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("tidings.quotas.confirmation-mails-per-hour", Integer.class)
                .orElse(200);
        String csv = "email\n"
                + IntStream.range(0, quota + 3)
                        .mapToObj(i -> "pending" + i + "-"
                                + UUID.randomUUID().toString().substring(0, 6) + "@example.net")
                        .collect(Collectors.joining("\n"));
        String location = as(token)
                .contentType("text/csv")
                .body(csv)
                .post(ApiPaths.newsletter(newsletter) + "/subscribers/import?status=pending")
                .then()
                .statusCode(202)
                .extract()
                .header("Location");
        JsonPath result = Newsletters.awaitImport(token, location, Duration.ofSeconds(60));
        assertThat(result.getInt("created")).isEqualTo(quota + 3);
        assertThat(result.getInt("confirmationsNotSent")).isEqualTo(3);
        assertThat(result.getString("message")).contains("quota");

        Response more = as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", newEmail(), "status", "pending"))
                .post(ApiPaths.subscribers(newsletter));
        assertThat(more.statusCode()).isEqualTo(429);
        assertThat(more.header("Retry-After")).isNotNull();
    }

    @Test
    void onlyOneImportRunsPerAccountEvenWhenUploadedInParallel() throws Exception {
        String other = Newsletters.create(token, newSlug(), false);
        String csv = "email\n"
                + IntStream.range(0, 60_000)
                        .mapToObj(i -> "bulk" + i + "@example.com")
                        .collect(Collectors.joining("\n"));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<Response>> uploads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String target = i % 2 == 0 ? newsletter : other;
            uploads.add(pool.submit(
                    () -> as(token).contentType("text/csv").body(csv).post(ApiPaths.imports(target))));
        }
        List<Response> answers = new ArrayList<>();
        for (Future<Response> f : uploads) {
            answers.add(f.get());
        }
        pool.shutdown();
        List<Response> started =
                answers.stream().filter(r -> r.statusCode() == 202).toList();
        List<Response> refused =
                answers.stream().filter(r -> r.statusCode() == 409).toList();
        assertThat(started).hasSize(1);
        assertThat(refused).hasSize(5);
        String running = started.get(0).jsonPath().getString("id");
        assertThat(refused.get(0).jsonPath().getString("type")).isEqualTo("/problems/import-running");
        assertThat(refused.get(0).jsonPath().getString("importId")).isEqualTo(running);
    }

    @Test
    void anOverlongLineIsALineErrorAndTheRestIsImported() {
        String csv = "email,name,note\n"
                + "first@example.com,First,ok\n"
                + "long@example.com,Long,\"" + "x".repeat(3 * 1024 * 1024) + "\"\n"
                + "last@example.com,Last,ok\n";
        String location = Newsletters.startImport(token, newsletter, csv);
        JsonPath result = Newsletters.awaitImport(token, location, Duration.ofSeconds(30));
        assertThat(result.getString("status")).isEqualTo("done");
        assertThat(result.getInt("created")).isEqualTo(2);
        assertThat(result.getInt("errors[0].line")).isEqualTo(3);
        assertThat(result.getString("errors[0].message")).contains("longer than");
    }

    @Test
    void aHeaderLineOverTheLineLimitIsRefusedBeforeAnyJobStarts() {
        int max = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("tidings.import.max-line-length", Integer.class)
                .orElse(65536);
        // Read whole, a header is as long as the file (a quote that never closes makes it so).
        String csv = "email,\"" + "n".repeat(max + 10) + "\"\nreader@example.com,Reader\n";
        Response answer = as(token).contentType("text/csv").body(csv).post(ApiPaths.imports(newsletter));
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.jsonPath().getString("detail")).contains("longer than");
        assertThat(Database.strings("SELECT count(*) FROM subscriber_import WHERE newsletter_id = ?::uuid", newsletter))
                .containsExactly("0");
    }

    @Test
    void aSlowUploadKeepsItsImportAliveAndItsSlotTaken() throws Exception {
        String head = "email,name\n";
        StringBuilder rest = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            rest.append("slow").append(i).append("@example.org,Slow ").append(i).append('\n');
        }
        byte[] first = head.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] second = rest.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            out.write(("POST " + ApiPaths.imports(newsletter) + " HTTP/1.1\r\nHost: localhost\r\n"
                            + "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n"
                            + "Content-Length: " + (first.length + second.length) + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(first);
            out.flush();
            String query = "SELECT status FROM subscriber_import WHERE newsletter_id = ?::uuid";
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !Database.strings(query, newsletter).isEmpty());
            // As if the upload had been going on for three minutes: longer than the two minutes of
            // silence after which an import counts as abandoned by a dead server.
            Database.update(
                    "UPDATE subscriber_import SET updated_at = now() - interval '3 minutes' WHERE newsletter_id = ?::uuid",
                    newsletter);
            // The heartbeat (every 1 s in tests) comes round and marks it alive again; waited for
            // rather than slept on, so a busy machine cannot make the check run before it.
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !Database.strings(
                                    "SELECT 1 FROM subscriber_import WHERE newsletter_id = ?::uuid"
                                            + " AND updated_at > now() - interval '1 minute'",
                                    newsletter)
                            .isEmpty());
            importService.failAbandoned().await().atMost(Duration.ofSeconds(10));
            assertThat(Database.strings(query, newsletter))
                    .as("the upload is alive: its import is not failed as abandoned")
                    .containsExactly("running");
            assertThat(as(token)
                            .contentType("text/csv")
                            .body("email\nx@example.org\n")
                            .post(ApiPaths.imports(newsletter))
                            .statusCode())
                    .as("the account's one import slot is still taken")
                    .isEqualTo(409);
            out.write(second);
            out.flush();
            String status =
                    new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 202");
        }
        String id = Database.strings("SELECT id FROM subscriber_import WHERE newsletter_id = ?::uuid", newsletter)
                .get(0);
        JsonPath result = Newsletters.awaitImport(
                token, ApiPaths.newsletter(newsletter) + "/imports/" + id, Duration.ofSeconds(30));
        assertThat(result.getString("status")).isEqualTo("done");
        assertThat(result.getInt("created")).isEqualTo(50);
    }
}
