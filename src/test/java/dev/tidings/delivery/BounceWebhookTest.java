package dev.tidings.delivery;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Database;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

@QuarkusTest
class BounceWebhookTest {

    Mailbox mailbox;

    private static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("test-webhook-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
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
        String token = Accounts.tokenFor(mailbox, newEmail());
        String newsletter = Newsletters.create(token, newSlug(), false);
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String body = "{\"email\":\"" + email + "\",\"type\":\"hard\",\"newsletterId\":\"" + newsletter
                + "\",\"diagnostic\":\"550 5.1.1 no such user\"}";
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(status(email)).isEqualTo("bounced");
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(status(email)).isEqualTo("bounced");
    }

    @Test
    void aComplaintWithoutNewsletterSuppressesTheAddressEverywhere() throws Exception {
        String token = Accounts.tokenFor(mailbox, newEmail());
        String a = Newsletters.create(token, newSlug(), false);
        String b = Newsletters.create(token, newSlug(), false);
        String email = newEmail();
        Newsletters.addSubscriber(token, a, email, "active");
        Newsletters.addSubscriber(token, b, email, "active");
        String body = "{\"email\":\"" + email.toUpperCase() + "\",\"type\":\"complaint\"}";
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(Database.strings("SELECT status FROM subscriber WHERE lower(email) = lower(?)", email))
                .containsExactly("complained", "complained");
    }

    @Test
    void aSoftBounceChangesNoSubscriber() throws Exception {
        String token = Accounts.tokenFor(mailbox, newEmail());
        String newsletter = Newsletters.create(token, newSlug(), false);
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String body = "{\"email\":\"" + email + "\",\"type\":\"soft\"}";
        assertThat(post(body, sign(body)).statusCode()).isEqualTo(204);
        assertThat(status(email)).isEqualTo("active");
    }

    @Test
    void aMissingOrWrongSignatureIs401AndChangesNothing() throws Exception {
        String token = Accounts.tokenFor(mailbox, newEmail());
        String newsletter = Newsletters.create(token, newSlug(), false);
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "active");
        String body = "{\"email\":\"" + email + "\",\"type\":\"hard\"}";
        assertThat(post(body, null).statusCode()).isEqualTo(401);
        assertThat(post(body, sign(body + " ")).statusCode()).isEqualTo(401);
        assertThat(post(body, "sha256=zz").statusCode()).isEqualTo(401);
        assertThat(post(body, null).contentType()).startsWith("application/problem+json");
        assertThat(status(email)).isEqualTo("active");
        String bad = "{\"email\":\"" + email + "\",\"type\":\"bouncy\"}";
        assertThat(post(bad, sign(bad)).statusCode()).isEqualTo(400);
    }
}
