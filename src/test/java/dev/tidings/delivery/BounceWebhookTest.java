package dev.tidings.delivery;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Database;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

@QuarkusTest
class BounceWebhookTest extends WriterTest {

    private static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("test-webhook-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** A report as a provider sends it now: with its timestamp, which the signature covers. */
    private static String fresh(String json) {
        return json.substring(0, json.length() - 1) + ",\"timestamp\":\"" + java.time.Instant.now() + "\"}";
    }

    private static io.restassured.response.Response post(String body, String signature) {
        var request = RestAssured.given().contentType(ContentType.JSON).body(body);
        if (signature != null) {
            request.header("X-Tidings-Signature", signature);
        }
        return request.post("/api/webhooks/bounces");
    }

    private static String status(String email) {
        return Database.strings("SELECT status FROM subscriber WHERE email = ?", email)
                .get(0);
    }

    @Test
    void aSignedHardBounceSuppressesTheAddressIdempotently() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String body = fresh("{\"email\":\"" + email + "\",\"type\":\"hard\",\"newsletterId\":\"" + newsletter
                + "\",\"diagnostic\":\"550 5.1.1 no such user\"}");
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(status(email)).isEqualTo("bounced");
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(status(email)).isEqualTo("bounced");
    }

    @Test
    void aComplaintWithoutNewsletterSuppressesTheAddressEverywhere() throws Exception {
        String a = Newsletters.create(token, newSlug(), false);
        String b = Newsletters.create(token, newSlug(), false);
        String email = newEmail();
        Newsletters.addSubscriber(token, a, email, "active");
        Newsletters.addSubscriber(token, b, email, "active");
        String body = fresh("{\"email\":\"" + email.toUpperCase() + "\",\"type\":\"complaint\"}");
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(Database.strings("SELECT status FROM subscriber WHERE lower(email) = lower(?)", email))
                .containsExactly("complained", "complained");
    }

    @Test
    void aSoftBounceChangesNoSubscriber() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String body = fresh("{\"email\":\"" + email + "\",\"type\":\"soft\"}");
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(status(email)).isEqualTo("active");
    }

    @Test
    void aMissingOrWrongSignatureIs401AndChangesNothing() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String body = fresh("{\"email\":\"" + email + "\",\"type\":\"hard\"}");
        assertThat(post(body, null).statusCode()).isEqualTo(401);
        assertThat(post(body, sign(body + " ")).statusCode()).isEqualTo(401);
        assertThat(post(body, "sha256=zz").statusCode()).isEqualTo(401);
        assertThat(post(body, null).contentType()).startsWith("application/problem+json");
        assertThat(status(email)).isEqualTo("active");
        String bad = fresh("{\"email\":\"" + email + "\",\"type\":\"bouncy\"}");
        assertThat(post(bad, sign(bad)).statusCode()).isEqualTo(400);
    }

    @Test
    void aReplayedReportOlderThanFiveMinutesOrWithoutATimestampChangesNothing() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String stale = "{\"email\":\"" + email + "\",\"type\":\"hard\",\"timestamp\":\""
                + java.time.Instant.now().minusSeconds(301) + "\"}";
        io.restassured.response.Response replay = post(stale, sign(stale));
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.jsonPath().getString("type")).isEqualTo("/problems/stale-webhook");
        String undated = "{\"email\":\"" + email + "\",\"type\":\"hard\"}";
        io.restassured.response.Response missing = post(undated, sign(undated));
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.jsonPath().getList("errors.field", String.class)).containsExactly("timestamp");
        assertThat(status(email)).isEqualTo("active");
    }
}
