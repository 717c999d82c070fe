package dev.tidings.delivery;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Infra;
import dev.tidings.testing.KafkaTestBroker;
import dev.tidings.testing.PostgresTestDatabase;
import dev.tidings.testing.SmtpTestServer;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged app as a real process: killed with SIGKILL in the middle of an issue and started
 * again, it finishes the issue with nobody skipped; duplicates can only come from the sends that
 * were under way at the kill.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeliveryRestartIT {

    private static final int SUBSCRIBERS = 2000;
    /**
     * The most sends one instance can hold claimed and unrecorded, at the default in-flight (64)
     * and job size (100): the consumer's own bound, not a restated formula.
     */
    private static final int CLAIM_BOUND = SendConsumer.maxClaimed(64, 100);

    static PostgresTestDatabase postgres = new PostgresTestDatabase();
    static KafkaTestBroker kafka = new KafkaTestBroker();
    static SmtpTestServer smtp = new SmtpTestServer();
    static Map<String, String> env = new HashMap<>();
    static Map<String, String> config = new HashMap<>();
    static Process app;
    static int port;
    static int managementPort;

    @BeforeAll
    static void infrastructure() {
        config.putAll(postgres.start());
        config.putAll(kafka.start());
        config.putAll(smtp.start());
        port = Infra.freePort();
        managementPort = Infra.freePort();
        env.put("QUARKUS_HTTP_PORT", "" + port);
        env.put("QUARKUS_MANAGEMENT_PORT", "" + managementPort);
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", config.get("quarkus.datasource.reactive.url"));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", config.get("quarkus.datasource.jdbc.url"));
        env.put("QUARKUS_DATASOURCE_USERNAME", config.get("quarkus.datasource.username"));
        env.put("QUARKUS_DATASOURCE_PASSWORD", config.get("quarkus.datasource.password"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", config.get("kafka.bootstrap.servers"));
        env.put("QUARKUS_MAILER_HOST", config.get("quarkus.mailer.host"));
        env.put("QUARKUS_MAILER_PORT", config.get("quarkus.mailer.port"));
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("TIDINGS_AUTH_COOKIE_SECURE", "false");
        env.put("TIDINGS_DEMO_ENABLED", "true");
        env.put("TIDINGS_SENDER_SHARED_DOMAINS", "example.com");
        env.put("TIDINGS_DELIVERY_RATE_PER_SECOND", "250");
        // A lease shorter than a pause (5 s) and the default dead-after (30 s): a live instance keeps
        // its claims past their lease, a dead one loses them after dead-after, not after the lease.
        env.put("TIDINGS_DELIVERY_LEASE", "5s");
        env.put("TIDINGS_DELIVERY_RECLAIM_EVERY", "1s");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.destroyForcibly();
        }
        smtp.stop();
        kafka.stop();
        postgres.stop();
    }

    static Process startApp(String name) throws Exception {
        return startApp(name, port, managementPort);
    }

    /** Starts the packaged app on these ports (a second instance beside the first, say). */
    static Process startApp(String name, int httpPort, int mgmtPort) throws Exception {
        Path log = Infra.workDir("restart-it").resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m",
                        "-jar",
                        System.getProperty("app.jar", "target/quarkus-app/quarkus-run.jar"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", "" + httpPort);
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", "" + mgmtPort);
        builder.environment().put("HOSTNAME", name);
        Process process = builder.start();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the app exited; see " + log);
                    }
                    try {
                        return given().port(mgmtPort).get("/q/health/ready").statusCode() == 200;
                    } catch (Exception notYet) {
                        return false;
                    }
                });
        return process;
    }

    static RequestSpecification api(String token) {
        return given().port(port).auth().oauth2(token);
    }

    static String token;
    static String newsletter;
    static List<String> emails;

    /** Logs in as the seeded demo account and imports the subscribers, once. */
    static void account() {
        if (token != null) {
            return;
        }
        String session = given().port(port)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "demo@example.com", "password", "tidings-demo-password"))
                .post("/api/auth/login")
                .then()
                .statusCode(204)
                .extract()
                .cookie("tidings_session");
        token = given().port(port)
                .cookie("tidings_session", session)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "it"))
                .post("/api/tokens")
                .then()
                .statusCode(201)
                .extract()
                .path("token");
        newsletter = api(token)
                .get(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(200)
                .extract()
                .path("items[0].id");
        emails = IntStream.range(0, SUBSCRIBERS)
                .mapToObj(i -> "it" + i + "@restart.example.com")
                .toList();
        String location = api(token)
                .contentType("text/csv")
                .body("email,name,tags\n"
                        + IntStream.range(0, SUBSCRIBERS)
                                .mapToObj(i -> emails.get(i) + ",Reader," + (i % 2 == 0 ? "half" : ""))
                                .collect(Collectors.joining("\n")))
                .post(ApiPaths.imports(newsletter))
                .then()
                .statusCode(202)
                .extract()
                .header("Location");
        await().atMost(Duration.ofSeconds(60)).until(() -> "done"
                .equals(api(token).get(location).then().extract().path("status")));
    }

    /** Creates and publishes an issue to everyone; answers the path of its delivery resource. */
    static String publishIssue() {
        return publishIssue(Map.of());
    }

    /** Creates and publishes an issue (with {@code extra} fields, e.g. an audience); answers its delivery path. */
    static String publishIssue(Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(
                Map.of("subject", "Hello {subscriber.name}", "bodyMarkdown", "Dear reader, *this* is the issue."));
        body.putAll(extra);
        String issue = api(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post(ApiPaths.issues(newsletter))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        api(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(newsletter, issue) + "/publish")
                .then()
                .statusCode(202);
        return ApiPaths.issue(newsletter, issue) + "/delivery";
    }

    static void awaitSent(String delivery) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() ->
                        "sent".equals(api(token).get(delivery).then().extract().path("status")));
    }

    /** Mails per subscriber address, counted from the {@code from}th message the sink accepted. */
    static Map<String, Integer> received(int from) {
        Map<String, Integer> counts = new HashMap<>();
        List<jakarta.mail.internet.MimeMessage> all = smtp.mailbox().all();
        for (jakarta.mail.internet.MimeMessage message : all.subList(from, all.size())) {
            try {
                for (jakarta.mail.Address to : message.getAllRecipients()) {
                    counts.merge(((jakarta.mail.internet.InternetAddress) to).getAddress(), 1, Integer::sum);
                }
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return counts;
    }

    @Test
    @Order(1)
    void anAppKilledMidIssueFinishesItAfterRestartWithNobodySkipped() throws Exception {
        app = startApp("first");
        account();
        int total = SUBSCRIBERS + 5; // the demo newsletter's own five
        int already = smtp.mailbox().all().size();
        String delivery = publishIssue();
        await().atMost(Duration.ofSeconds(60)).until(() -> smtp.mailbox().all().size() - already >= total / 4);
        app.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no drain
        int beforeKill = smtp.mailbox().all().size() - already;
        assertThat(beforeKill).isLessThan(total);

        app = startApp("second");
        long restarted = System.nanoTime();
        awaitSent(delivery);
        Duration afterRestart = Duration.ofNanos(System.nanoTime() - restarted);
        var progress = api(token).get(delivery).then().extract().jsonPath();
        assertThat(progress.getInt("sent")).isEqualTo(total);
        assertThat(progress.getInt("skipped") + progress.getInt("failed") + progress.getInt("queued"))
                .isZero();
        // The dead instance's claims come back after dead-after (30 s), not after the 15-minute lease:
        // done within 60 s of the restart plus the clean send time (250 mails/s).
        System.out.printf("restart: sent %d ms after the new instance was ready%n", afterRestart.toMillis());
        assertThat(afterRestart).isLessThan(Duration.ofSeconds(60 + total / 250 + 1));
        Map<String, Integer> received = received(already);
        List<String> missing = new ArrayList<>();
        int duplicates = 0;
        for (String email : emails) {
            int n = received.getOrDefault(email, 0);
            if (n == 0) {
                missing.add(email);
            }
            duplicates += Math.max(0, n - 1);
        }
        assertThat(missing).as("subscribers who got nothing").isEmpty();
        System.out.printf(
                "restart: %d of %d accepted before the kill, %d duplicates (bound %d)%n",
                beforeKill, total, duplicates, CLAIM_BOUND);
        assertThat(duplicates).isLessThanOrEqualTo(CLAIM_BOUND);
    }

    @Test
    @Order(2)
    void aGracefulStopMidIssueLeavesNothingClaimedAndSendsNothingTwice() throws Exception {
        if (app == null || !app.isAlive()) {
            app = startApp("third");
        }
        account();
        int total = SUBSCRIBERS + 5;
        int already = smtp.mailbox().all().size();
        String delivery = publishIssue();
        await().atMost(Duration.ofSeconds(60)).until(() -> smtp.mailbox().all().size() - already >= total / 4);
        long stopping = System.nanoTime();
        app.destroy(); // SIGTERM: readiness down, stop claiming, drain, flush outcomes
        assertThat(app.waitFor(60, TimeUnit.SECONDS))
                .as("stopped within the grace")
                .isTrue();
        System.out.printf("graceful stop took %d ms%n", (System.nanoTime() - stopping) / 1_000_000);
        String issueId = delivery.split("/")[5];
        try (Connection c = DriverManager.getConnection(
                        config.get("quarkus.datasource.jdbc.url"),
                        config.get("quarkus.datasource.username"),
                        config.get("quarkus.datasource.password"));
                PreparedStatement q = c.prepareStatement(
                        "SELECT count(*) FILTER (WHERE status = 'sending'), count(*) FILTER (WHERE status = 'sent')"
                                + " FROM send WHERE issue_id = ?::uuid")) {
            q.setString(1, issueId);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                assertThat(r.getInt(1))
                        .as("sends still claimed after a graceful stop")
                        .isZero();
                assertThat(r.getInt(2))
                        .as("every accepted mail is recorded as sent")
                        .isEqualTo(smtp.mailbox().all().size() - already);
            }
        }
        app = startApp("fourth");
        awaitSent(delivery);
        assertThat(api(token).get(delivery).then().extract().jsonPath().getInt("sent"))
                .isEqualTo(total);
        Map<String, Integer> received = received(already);
        assertThat(received.values().stream().mapToInt(Integer::intValue).sum())
                .as("no duplicates after a graceful stop")
                .isEqualTo(total);
    }

    @Test
    @Order(3)
    void anAppKilledMidIssueWithAnAudienceFinishesItForExactlyThatAudience() throws Exception {
        if (app == null || !app.isAlive()) {
            app = startApp("fifth");
        }
        account();
        int total = SUBSCRIBERS / 2; // the imported readers tagged "half"; none of the demo's own
        int already = smtp.mailbox().all().size();
        String delivery =
                publishIssue(Map.of("audience", Map.of("rule", Map.of("all", List.of(Map.of("tag", "half"))))));
        assertThat(api(token).get(delivery).then().extract().jsonPath().getInt("recipients"))
                .isEqualTo(total);
        await().atMost(Duration.ofSeconds(60)).until(() -> smtp.mailbox().all().size() - already >= total / 4);
        app.destroyForcibly().waitFor();
        int beforeKill = smtp.mailbox().all().size() - already;
        assertThat(beforeKill).isLessThan(total);

        app = startApp("sixth");
        long restarted = System.nanoTime();
        awaitSent(delivery);
        assertThat(Duration.ofNanos(System.nanoTime() - restarted))
                .isLessThan(Duration.ofSeconds(60 + total / 250 + 1));
        var progress = api(token).get(delivery).then().extract().jsonPath();
        assertThat(progress.getInt("sent")).isEqualTo(total);
        assertThat(progress.getInt("recipients")).isEqualTo(total);
        Map<String, Integer> received = received(already);
        List<String> missing = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        int duplicates = 0;
        for (int i = 0; i < SUBSCRIBERS; i++) {
            int n = received.getOrDefault(emails.get(i), 0);
            if (i % 2 == 0 && n == 0) {
                missing.add(emails.get(i));
            }
            if (i % 2 == 1 && n > 0) {
                outside.add(emails.get(i));
            }
            duplicates += Math.max(0, n - 1);
        }
        assertThat(missing).as("audience members who got nothing").isEmpty();
        assertThat(outside).as("subscribers outside the audience who got it").isEmpty();
        System.out.printf(
                "restart with audience: %d of %d accepted before the kill, %d duplicates (bound %d)%n",
                beforeKill, total, duplicates, CLAIM_BOUND);
        assertThat(duplicates).isLessThanOrEqualTo(CLAIM_BOUND);
    }

    @Test
    @Order(4)
    void everyTrackingEventAnsweredBeforeAKillIsCountedAfterTheRestart() throws Exception {
        if (app == null || !app.isAlive()) {
            app = startApp("seventh");
        }
        account();
        String tracked = api(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "slug",
                        "tracked-" + System.nanoTime(),
                        "name",
                        "Tracked",
                        "fromName",
                        "Demo",
                        "fromEmail",
                        "demo@example.com",
                        "doubleOptIn",
                        false,
                        "trackOpens",
                        true,
                        "trackClicks",
                        true))
                .post(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        int readers = 20;
        String location = api(token)
                .contentType("text/csv")
                .body("email,name\n"
                        + IntStream.range(0, readers)
                                .mapToObj(i -> "t" + i + "@tracked.example.com,Reader")
                                .collect(Collectors.joining("\n")))
                .post(ApiPaths.imports(tracked))
                .then()
                .statusCode(202)
                .extract()
                .header("Location");
        await().atMost(Duration.ofSeconds(60)).until(() -> "done"
                .equals(api(token).get(location).then().extract().path("status")));
        int already = smtp.mailbox().all().size();
        String issue = api(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Tracked", "bodyHtml", "<p><a href=\"https://example.com/a\">A</a></p>"))
                .post(ApiPaths.issues(tracked))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        api(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(ApiPaths.issue(tracked, issue) + "/publish")
                .then()
                .statusCode(202);
        awaitSent(ApiPaths.issue(tracked, issue) + "/delivery");
        List<String> urls = new ArrayList<>();
        java.util.regex.Pattern link = java.util.regex.Pattern.compile("\"https?://[^/\"]+(/t/[co]/[^\"]+)\"");
        for (jakarta.mail.internet.MimeMessage mail :
                smtp.mailbox().all().subList(already, smtp.mailbox().all().size())) {
            java.util.regex.Matcher m = link.matcher(
                    dev.tidings.testing.Mailbox.part(mail, "text/html").orElse(""));
            while (m.find()) {
                urls.add(m.group(1));
            }
        }
        assertThat(urls).hasSize(2 * readers);

        // Many opens and clicks at once; the app is killed the moment the last one is answered.
        int requests = 400;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String url = urls.get(i % urls.size());
            calls.add(pool.submit(() -> {
                int status = given().port(port)
                        .redirects()
                        .follow(false)
                        .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
                        .get(url)
                        .statusCode();
                if (status == 200 || status == 302) {
                    answered.incrementAndGet();
                }
            }));
        }
        for (java.util.concurrent.Future<?> call : calls) {
            call.get();
        }
        app.destroyForcibly().waitFor();
        pool.shutdown();
        assertThat(answered.get()).isEqualTo(requests);

        app = startApp("eighth");
        String report = ApiPaths.issue(tracked, issue) + "/report";
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    var r = api(token)
                            .get(report)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
                    return r.getInt("opens.total")
                                    + r.getInt("opens.machine")
                                    + r.getInt("clicks.total")
                                    + r.getInt("clicks.machine")
                            >= requests;
                });
        Thread.sleep(2000);
        var r = api(token).get(report).then().extract().jsonPath();
        int counted = r.getInt("opens.total")
                + r.getInt("opens.machine")
                + r.getInt("clicks.total")
                + r.getInt("clicks.machine");
        System.out.printf(
                "tracking kill: %d answered before the kill, %d counted after the restart%n", requests, counted);
        assertThat(counted).as("every answered event counted, none twice").isEqualTo(requests);
    }

    /** Duplicates and missing among the imported subscribers, from the {@code from}th accepted mail on. */
    static int[] duplicatesAndMissing(int from) {
        Map<String, Integer> received = received(from);
        int duplicates = 0;
        int missing = 0;
        for (String email : emails) {
            int n = received.getOrDefault(email, 0);
            missing += n == 0 ? 1 : 0;
            duplicates += Math.max(0, n - 1);
        }
        return new int[] {duplicates, missing};
    }

    static void signal(Process process, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, "" + process.pid())
                        .start()
                        .waitFor())
                .isZero();
    }

    @Test
    @Order(5)
    void anInstancePausedForTenSecondsKeepsItsClaimsWhileAPeerWorks() throws Exception {
        if (app == null || !app.isAlive()) {
            app = startApp("ninth");
        }
        account();
        Process peer = startApp("peer", Infra.freePort(), Infra.freePort());
        try {
            int total = SUBSCRIBERS + 5;
            int already = smtp.mailbox().all().size();
            String delivery = publishIssue();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> smtp.mailbox().all().size() - already >= total / 4);
            signal(app, "STOP"); // frozen: no heartbeat, no sending, its claims held
            Thread.sleep(10_000);
            signal(app, "CONT");
            awaitSent(delivery);
            int[] result = duplicatesAndMissing(already);
            System.out.printf("paused 10 s beside a peer: %d duplicates, %d missing%n", result[0], result[1]);
            assertThat(result[1]).as("subscribers who got nothing").isZero();
            assertThat(result[0])
                    .as("a paused instance is not robbed: nothing sent twice")
                    .isZero();
        } finally {
            peer.destroy();
            peer.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(6)
    void aBrokerRestartMidIssueAddsAtMostAMinute() throws Exception {
        if (app == null || !app.isAlive()) {
            app = startApp("tenth");
        }
        account();
        int total = SUBSCRIBERS + 5;
        int already = smtp.mailbox().all().size();
        long published = System.nanoTime();
        String delivery = publishIssue();
        await().atMost(Duration.ofSeconds(60)).until(() -> smtp.mailbox().all().size() - already >= total / 3);
        KafkaTestBroker.stopBroker();
        Thread.sleep(3_000);
        KafkaTestBroker.startBroker();
        awaitSent(delivery);
        Duration took = Duration.ofNanos(System.nanoTime() - published);
        int[] result = duplicatesAndMissing(already);
        System.out.printf(
                "broker restart mid-issue: sent after %d ms (clean about %d ms), %d duplicates, %d missing%n",
                took.toMillis(), total * 4L, result[0], result[1]);
        assertThat(result[1]).as("subscribers who got nothing").isZero();
        assertThat(result[0]).isLessThanOrEqualTo(CLAIM_BOUND);
        // The clean time at 250 mails/s, the broker's 3 s down and its restart, plus at most 60 s.
        assertThat(took).isLessThan(Duration.ofSeconds(total / 250 + 3 + 15 + 60));
    }
}
