package dev.tidings.subscriber;

import static dev.tidings.testing.Accounts.client;
import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.common.LinkSigner;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PublicSignupTest extends WriterTest {

    @Override
    protected boolean doubleOptIn() {
        return true;
    }

    private static final Pattern LINK = Pattern.compile("(https?://\\S+/confirm\\?token=[A-Za-z0-9_.-]+)");

    @Inject
    LinkSigner signer;

    private String statusOf(String email) {
        return Database.strings(
                        "SELECT status FROM subscriber WHERE newsletter_id = ?::uuid AND lower(email) = lower(?)",
                        newsletter,
                        email)
                .stream()
                .findFirst()
                .orElse(null);
    }

    private String confirmLink(String email, int n) throws Exception {
        String text = Mailbox.part(mailbox.awaitMessage(email, n), "text/plain").orElseThrow();
        Matcher m = LINK.matcher(text);
        assertThat(m.find()).as("a confirmation link in:\n" + text).isTrue();
        return m.group(1);
    }

    /** A pending subscriber whose confirmation mail went out an hour ago: another one is due. */
    private String pendingWithItsMailAnHourAgo() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "pending");
        mailbox.awaitMessage(email, 1);
        Database.update(
                "UPDATE subscriber SET confirm_sent_at = now() - interval '1 hour' WHERE lower(email) = lower(?)",
                email);
        return email;
    }

    /** The path and query of a link in a mail, to follow it against the test server. */
    private static String local(String link) {
        URI uri = URI.create(link);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    @Test
    void doubleOptInEndToEnd() throws Exception {
        String email = newEmail();
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "name", "Reader"))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202)
                .body("status", equalTo("confirmation_sent"));
        assertThat(statusOf(email)).isEqualTo("pending");
        var mail = mailbox.awaitMessage(email, 1);
        assertThat(mail.getContentType()).startsWith("multipart/alternative");
        assertThat(Mailbox.part(mail, "text/html")).get().asString().contains("/confirm?token=");

        RestAssured.given()
                .get(local(confirmLink(email, 1)))
                .then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(org.hamcrest.Matchers.anyOf(
                        containsString("You&#39;re subscribed"), containsString("You're subscribed")));
        assertThat(statusOf(email)).isEqualTo("active");
        as(token).get(ApiPaths.newsletter(newsletter)).then().body("subscriberCounts.active", equalTo(1));
    }

    @Test
    void theFormPostAnswersWithAPageAndTheSameForKnownAddresses() {
        String email = newEmail();
        String first = client().contentType(ContentType.URLENC)
                .formParam("email", email)
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("Check your inbox"))
                .extract()
                .asString();
        String again = client().contentType(ContentType.URLENC)
                .formParam("email", email)
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(again).isEqualTo(first);
        String json1 = client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202)
                .extract()
                .asString();
        String json2 = client().contentType(ContentType.JSON)
                .body(Map.of("email", newEmail()))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202)
                .extract()
                .asString();
        assertThat(json1).isEqualTo(json2);
    }

    @Test
    void aPendingAddressGetsTheMailAgainButNotEveryTime() throws Exception {
        String email = pendingWithItsMailAnHourAgo();
        for (int i = 0; i < 3; i++) {
            client().contentType(ContentType.JSON)
                    .body(Map.of("email", email))
                    .post("/p/" + slug + "/subscribe")
                    .then()
                    .statusCode(202);
        }
        mailbox.awaitMessage(email, 2);
        assertThat(mailbox.countAfterQuietPeriod(email)).isEqualTo(2);
    }

    @Test
    void aKnownActiveAddressCostsTheSameCommittedWriteAsANewOne() throws Exception {
        // A new address is a committed insert; a known one that only read would answer faster by
        // a commit (10 ms apart on a busy machine), telling anyone whether the address is here.
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String query = "SELECT xmin::text || ' ' || status || ' ' || confirmed_at::text FROM subscriber"
                + " WHERE newsletter_id = ?::uuid AND lower(email) = lower(?)";
        String before = Database.strings(query, newsletter, email).get(0);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202);
        String after = Database.strings(query, newsletter, email).get(0);
        assertThat(after.split(" ", 2)[0]).as("the row was written").isNotEqualTo(before.split(" ", 2)[0]);
        assertThat(after.split(" ", 2)[1]).as("and nothing in it changed").isEqualTo(before.split(" ", 2)[1]);
        assertThat(mailbox.countAfterQuietPeriod(email))
                .as("an active subscriber gets no mail")
                .isZero();
    }

    @Test
    void parallelSignUpsOfAPendingAddressSendOneMoreMailNotOneEach() throws Exception {
        String email = pendingWithItsMailAnHourAgo();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            var answers = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int i = 0; i < 6; i++) {
                answers.add(pool.submit(() -> client().contentType(ContentType.JSON)
                        .body(Map.of("email", email))
                        .post("/p/" + slug + "/subscribe")
                        .statusCode()));
            }
            for (var answer : answers) {
                assertThat(answer.get()).isEqualTo(202);
            }
        } finally {
            pool.shutdown();
        }
        mailbox.awaitMessage(email, 2);
        assertThat(mailbox.countAfterQuietPeriod(email)).isEqualTo(2);
    }

    @Test
    void anUnsubscribedAddressComesBackOnlyByConfirming() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "unsubscribed");
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202);
        assertThat(statusOf(email)).isEqualTo("unsubscribed");
        RestAssured.given().get(local(confirmLink(email, 1))).then().statusCode(200);
        assertThat(statusOf(email)).isEqualTo("active");
    }

    @Test
    void withoutDoubleOptInSignupIsImmediateButAReturnStillNeedsConfirming() {
        String open = newSlug();
        String openId = Newsletters.create(token, open, false);
        String email = newEmail();
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + open + "/subscribe")
                .then()
                .statusCode(202)
                .body("status", equalTo("subscribed"));
        assertThat(Database.strings("SELECT status FROM subscriber WHERE newsletter_id = ?::uuid", openId))
                .containsExactly("active");

        String leaver = newEmail();
        Newsletters.addSubscriber(token, openId, leaver, "unsubscribed");
        client().contentType(ContentType.JSON)
                .body(Map.of("email", leaver))
                .post("/p/" + open + "/subscribe")
                .then()
                .statusCode(202)
                .body("status", equalTo("subscribed"));
        mailbox.awaitMessage(leaver, 1);
        assertThat(Database.strings(
                        "SELECT status FROM subscriber WHERE newsletter_id = ?::uuid AND email = ?", openId, leaver))
                .containsExactly("unsubscribed");
    }

    @Test
    void badInputIsRefusedClearlyAndStoresNothing() {
        client().contentType(ContentType.JSON)
                .body(Map.of("email", "not an address"))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("email"));
        client().contentType(ContentType.JSON)
                .body(Map.of("email", "a".repeat(250) + "@example.com"))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(400);
        client().contentType(ContentType.URLENC)
                .formParam("email", "nope")
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(400)
                .contentType(ContentType.HTML)
                .body(containsString("valid email address"))
                .body(containsString("aria-invalid"));
        client().contentType(ContentType.JSON)
                .body(Map.of("email", newEmail()))
                .post("/p/no-such-newsletter/subscribe")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        client().contentType(ContentType.URLENC)
                .formParam("email", newEmail())
                .post("/p/no-such-newsletter/subscribe")
                .then()
                .statusCode(404)
                .contentType(ContentType.HTML);
        client().contentType(ContentType.XML)
                .body("<email/>")
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(415);
        client().contentType(ContentType.JSON)
                .body("{\"email\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}")
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(413);
        assertThat(Database.strings("SELECT id FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .isEmpty();
    }

    @Test
    void signupsFromOneAddressAreRateLimited() {
        String address = "198.51.100." + (1 + (int) (Math.random() * 250));
        for (int i = 0; i < 10; i++) {
            RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", newEmail()))
                    .post("/p/" + slug + "/subscribe")
                    .then()
                    .statusCode(202);
        }
        RestAssured.given()
                .header("X-Forwarded-For", address)
                .contentType(ContentType.JSON)
                .body(Map.of("email", newEmail()))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .contentType("application/problem+json");
        RestAssured.given()
                .header("X-Forwarded-For", address)
                .contentType(ContentType.URLENC)
                .formParam("email", newEmail())
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(429)
                .contentType(ContentType.HTML);
    }

    @Test
    void theSignupPageIsAPlainAccessibleForm() {
        RestAssured.given()
                .get("/p/" + slug)
                .then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("<form method=\"post\" action=\"/p/" + slug + "/subscribe\""))
                .body(containsString("<label for=\"email\">"))
                .body(containsString("lang=\"en\""))
                .body(org.hamcrest.Matchers.not(containsString("<script")));
        RestAssured.given().get("/p/no-such-newsletter").then().statusCode(404).contentType(ContentType.HTML);
    }

    @Test
    void tamperedExpiredOrForeignConfirmTokensAre400Pages() throws Exception {
        String email = newEmail();
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/p/" + slug + "/subscribe")
                .then()
                .statusCode(202);
        String link = local(confirmLink(email, 1));
        RestAssured.given()
                .get(link.substring(0, link.length() - 2) + "xx")
                .then()
                .statusCode(400)
                .contentType(ContentType.HTML);
        RestAssured.given().get("/p/" + slug + "/confirm").then().statusCode(400);
        RestAssured.given()
                .get("/p/" + slug + "/confirm?token=" + UUID.randomUUID())
                .then()
                .statusCode(400);

        UUID subscriberId =
                UUID.fromString(Database.strings("SELECT id FROM subscriber WHERE lower(email) = lower(?)", email)
                        .get(0));
        String expired = signer.sign(
                "confirm",
                subscriberId,
                UUID.fromString(newsletter),
                Instant.now().minusSeconds(1));
        RestAssured.given()
                .get("/p/" + slug + "/confirm?token=" + expired)
                .then()
                .statusCode(400);
        String unsubscribeToken = signer.sign("unsubscribe", subscriberId, UUID.fromString(newsletter), null);
        RestAssured.given()
                .get("/p/" + slug + "/confirm?token=" + unsubscribeToken)
                .then()
                .statusCode(400);

        String otherSlug = newSlug();
        Newsletters.create(token, otherSlug, true);
        RestAssured.given()
                .get(link.replace("/p/" + slug + "/", "/p/" + otherSlug + "/"))
                .then()
                .statusCode(400);
        assertThat(statusOf(email)).isEqualTo("pending");
    }
}
