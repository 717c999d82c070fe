package dev.tidings.bounce;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The providers' webhooks over HTTP against sends delivered over SMTP: each authenticated as its
 * provider does it (SNS signatures checked against a certificate fetched from the test's own HTTP
 * server, as the test profile's url-pattern allows; Postmark basic credentials; Mailgun HMAC;
 * SendGrid ECDSA), each mapped onto the send its Message-ID names, idempotently; anything forged,
 * stale or from another topic is 401 and changes nothing.
 */
@QuarkusTest
class ProviderWebhookTest {

    static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:tidings-test";
    /** The private half of the test profile's tidings.webhooks.sendgrid.public-key (test-only). */
    static final String SENDGRID_PRIVATE =
            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzqmwoh3tfdL8A9n5HLzifY4E4Pl8Vk7rf7gA3QEd6TShRANCAARdqFw8PS9zz4padjoQwd8Rcxl17vham/TvRzsiYdzIT9agpMwmyjjj82kHWqThToFbfBf1KuycEgC/y88bNxFN";

    static final ObjectMapper JSON = new ObjectMapper();
    static HttpServer certs;
    static KeyPair snsKeys;
    static String certUrl;
    static final AtomicInteger confirmations = new AtomicInteger();

    @InjectMailbox
    Mailbox mailbox;

    @BeforeAll
    static void serveCertificate() throws Exception {
        snsKeys = TestSigning.rsaKeyPair();
        X509Certificate cert = TestSigning.selfSignedCertificate(snsKeys);
        byte[] pem = TestSigning.pem(cert).getBytes(StandardCharsets.US_ASCII);
        certs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        certs.createContext("/SimpleNotificationService-test.pem", exchange -> {
            exchange.sendResponseHeaders(200, pem.length);
            exchange.getResponseBody().write(pem);
            exchange.close();
        });
        certs.createContext("/confirm", exchange -> {
            confirmations.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        certs.start();
        certUrl = "http://127.0.0.1:" + certs.getAddress().getPort() + "/SimpleNotificationService-test.pem";
    }

    @AfterAll
    static void stop() {
        certs.stop(0);
    }

    static String sesBounce(String email, String messageId, String type) {
        ObjectNode message = JSON.createObjectNode();
        message.put("notificationType", "Bounce");
        ObjectNode bounce = message.putObject("bounce");
        bounce.put("bounceType", type);
        bounce.put("bounceSubType", "General");
        bounce.putArray("bouncedRecipients")
                .addObject()
                .put("emailAddress", email)
                .put("diagnosticCode", "smtp; 550 5.1.1 user unknown");
        ObjectNode mail = message.putObject("mail");
        mail.put("messageId", "0100018c-ses-own-id");
        mail.putObject("commonHeaders").put("messageId", messageId);
        return message.toString();
    }

    static int postSns(ObjectNode envelope) {
        return given().contentType("text/plain; charset=UTF-8")
                .body(envelope.toString())
                .post("/api/webhooks/ses")
                .then()
                .extract()
                .statusCode();
    }

    @Test
    void sesNotificationsThroughSnsAreVerifiedAndApplied() throws Exception {
        Delivered d = Delivered.of(this, mailbox, 2);
        ObjectNode valid = TestSigning.signSns(
                TestSigning.snsNotification(
                        sesBounce(d.readers().get(0), d.messageIds().get(0), "Permanent"), TOPIC, Instant.now()),
                snsKeys.getPrivate(),
                "2",
                certUrl);

        // Forged: the message changed after signing; another topic; a certificate from elsewhere.
        ObjectNode tampered = valid.deepCopy();
        tampered.put("Message", sesBounce(d.readers().get(1), d.messageIds().get(1), "Permanent"));
        assertThat(postSns(tampered)).isEqualTo(401);
        ObjectNode otherTopic = TestSigning.signSns(
                TestSigning.snsNotification(
                        sesBounce(d.readers().get(1), d.messageIds().get(1), "Permanent"),
                        "arn:aws:sns:eu-west-1:999999999999:someone-else",
                        Instant.now()),
                snsKeys.getPrivate(),
                "2",
                certUrl);
        assertThat(postSns(otherTopic)).isEqualTo(401);
        ObjectNode elsewhere = TestSigning.signSns(
                TestSigning.snsNotification(
                        sesBounce(d.readers().get(1), d.messageIds().get(1), "Permanent"), TOPIC, Instant.now()),
                snsKeys.getPrivate(),
                "2",
                "https://sns.evil.example/cert.pem");
        assertThat(postSns(elsewhere)).isEqualTo(401);
        ObjectNode otherKey = TestSigning.signSns(
                TestSigning.snsNotification(
                        sesBounce(d.readers().get(1), d.messageIds().get(1), "Permanent"), TOPIC, Instant.now()),
                TestSigning.rsaKeyPair().getPrivate(),
                "2",
                certUrl);
        assertThat(postSns(otherKey)).isEqualTo(401);
        assertThat(d.subscriberStatus(1)).isEqualTo("active");
        assertThat(d.sendStatus(1)).isEqualTo("sent");
        // A certificate that cannot be fetched is ours to fix: 503, so that SNS delivers again.
        ObjectNode unreachable = TestSigning.signSns(
                TestSigning.snsNotification(
                        sesBounce(d.readers().get(1), d.messageIds().get(1), "Permanent"), TOPIC, Instant.now()),
                snsKeys.getPrivate(),
                "2",
                "http://127.0.0.1:" + certs.getAddress().getPort() + "/missing.pem");
        assertThat(postSns(unreachable)).isEqualTo(503);
        assertThat(d.sendStatus(1)).isEqualTo("sent");

        // Genuine: applied to the send its Message-ID names (SES's own message id is not ours).
        assertThat(postSns(valid)).isEqualTo(204);
        assertThat(d.sendStatus(0)).isEqualTo("bounced");
        assertThat(d.subscriberStatus(0)).isEqualTo("bounced");
        assertThat(d.sendNote(0)).startsWith("hard bounce reported by ses").contains("5.1.1");
        // SNS delivers at least once: the same notification again changes nothing.
        assertThat(postSns(valid)).isEqualTo(204);
        assertThat(d.sendStatus(0)).isEqualTo("bounced");

        // A transient bounce is only noted; a delivery sets delivered_at once.
        ObjectNode soft = TestSigning.signSns(
                TestSigning.snsNotification(
                        sesBounce(d.readers().get(1), d.messageIds().get(1), "Transient"), TOPIC, Instant.now()),
                snsKeys.getPrivate(),
                "1",
                certUrl);
        assertThat(postSns(soft)).isEqualTo(204);
        assertThat(d.sendStatus(1)).isEqualTo("sent");
        assertThat(d.sendNote(1)).startsWith("soft bounce reported by ses");
        ObjectNode delivery = JSON.createObjectNode();
        delivery.put("notificationType", "Delivery");
        delivery.putObject("mail")
                .putObject("commonHeaders")
                .put("messageId", d.messageIds().get(1));
        delivery.putObject("delivery").putArray("recipients").add(d.readers().get(1));
        assertThat(postSns(TestSigning.signSns(
                        TestSigning.snsNotification(delivery.toString(), TOPIC, Instant.now()),
                        snsKeys.getPrivate(),
                        "2",
                        certUrl)))
                .isEqualTo(204);
        assertThat(d.deliveredAt(1)).isTrue();

        // A subscription confirmation is confirmed by visiting its SubscribeURL (only an allowed one).
        ObjectNode subscribe = JSON.createObjectNode();
        subscribe.put("Type", "SubscriptionConfirmation");
        subscribe.put("MessageId", "165545c9-2a5c-472c-8df2-7ff2be2b3b1b");
        subscribe.put(
                "Token",
                "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736");
        subscribe.put("TopicArn", TOPIC);
        subscribe.put("Message", "You have chosen to subscribe to the topic " + TOPIC);
        subscribe.put("SubscribeURL", "http://127.0.0.1:" + certs.getAddress().getPort() + "/confirm");
        subscribe.put("Timestamp", Instant.now().toString());
        int before = confirmations.get();
        assertThat(postSns(TestSigning.signSns(subscribe, snsKeys.getPrivate(), "2", certUrl)))
                .isEqualTo(204);
        assertThat(confirmations.get()).isEqualTo(before + 1);
    }

    @Test
    void postmarkNeedsItsBasicCredentials() {
        Delivered d = Delivered.of(this, mailbox, 1);
        ObjectNode complaint = JSON.createObjectNode();
        complaint.put("RecordType", "SpamComplaint");
        complaint.put("Type", "SpamComplaint");
        complaint.put("TypeCode", 512);
        complaint.put("MessageID", "00000000-0000-0000-0000-000000000000");
        complaint.put("Email", d.readers().get(0));
        complaint.putObject("Metadata").put("tidings-message-id", d.messageIds().get(0));
        given().header("Authorization", TestSigning.basicAuth("postmark-test", "wrong"))
                .contentType("application/json")
                .body(complaint.toString())
                .post("/api/webhooks/postmark")
                .then()
                .statusCode(401);
        given().contentType("application/json")
                .body(complaint.toString())
                .post("/api/webhooks/postmark")
                .then()
                .statusCode(401);
        assertThat(d.subscriberStatus(0)).isEqualTo("active");
        given().header("Authorization", TestSigning.basicAuth("postmark-test", "postmark-test-password"))
                .contentType("application/json")
                .body(complaint.toString())
                .post("/api/webhooks/postmark")
                .then()
                .statusCode(204);
        assertThat(d.subscriberStatus(0)).isEqualTo("complained");
    }

    @Test
    void mailgunNeedsAFreshSignature() {
        Delivered d = Delivered.of(this, mailbox, 1);
        ObjectNode body = (ObjectNode) TestSigning.webhookJson("mailgun-failed-permanent.json");
        ObjectNode data = (ObjectNode) body.get("event-data");
        data.put("recipient", d.readers().get(0));
        ((ObjectNode) data.with("message").with("headers"))
                .put("message-id", d.messageIds().get(0).replaceAll("[<>]", ""));
        TestSigning.signMailgun(
                body, TestSigning.MAILGUN_SIGNING_KEY, Instant.now().minus(Duration.ofHours(1)));
        given().contentType("application/json")
                .body(body.toString())
                .post("/api/webhooks/mailgun")
                .then()
                .statusCode(401);
        TestSigning.signMailgun(body, "another-key", Instant.now());
        given().contentType("application/json")
                .body(body.toString())
                .post("/api/webhooks/mailgun")
                .then()
                .statusCode(401);
        assertThat(d.sendStatus(0)).isEqualTo("sent");
        TestSigning.signMailgun(body, TestSigning.MAILGUN_SIGNING_KEY, Instant.now());
        given().contentType("application/json")
                .body(body.toString())
                .post("/api/webhooks/mailgun")
                .then()
                .statusCode(204);
        assertThat(d.sendStatus(0)).isEqualTo("bounced");
        assertThat(d.subscriberStatus(0)).isEqualTo("bounced");
    }

    @Test
    void sendGridEventsAreVerifiedWithTheConfiguredKey() throws Exception {
        Delivered d = Delivered.of(this, mailbox, 2);
        ArrayNode events = JSON.createArrayNode();
        events.addObject()
                .put("email", d.readers().get(0))
                .put("event", "delivered")
                .put("smtp-id", d.messageIds().get(0))
                .put("timestamp", Instant.now().getEpochSecond());
        events.addObject()
                .put("email", d.readers().get(1))
                .put("event", "bounce")
                .put("type", "bounce")
                .put("reason", "550 5.1.1 The email account that you tried to reach does not exist")
                .put("smtp-id", d.messageIds().get(1))
                .put("timestamp", Instant.now().getEpochSecond());
        byte[] body = events.toString().getBytes(StandardCharsets.UTF_8);
        PrivateKey key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(SENDGRID_PRIVATE)));
        String now = String.valueOf(Instant.now().getEpochSecond());
        String signature = TestSigning.signSendGrid(key, now, body);

        byte[] tampered = events.toString().replace("bounce\"", "dropped\"").getBytes(StandardCharsets.UTF_8);
        given().header("X-Twilio-Email-Event-Webhook-Signature", signature)
                .header("X-Twilio-Email-Event-Webhook-Timestamp", now)
                .contentType("application/json")
                .body(tampered)
                .post("/api/webhooks/sendgrid")
                .then()
                .statusCode(401);
        String stale = String.valueOf(Instant.now().minus(Duration.ofHours(1)).getEpochSecond());
        given().header("X-Twilio-Email-Event-Webhook-Signature", TestSigning.signSendGrid(key, stale, body))
                .header("X-Twilio-Email-Event-Webhook-Timestamp", stale)
                .contentType("application/json")
                .body(body)
                .post("/api/webhooks/sendgrid")
                .then()
                .statusCode(401);
        assertThat(d.sendStatus(1)).isEqualTo("sent");

        given().header("X-Twilio-Email-Event-Webhook-Signature", signature)
                .header("X-Twilio-Email-Event-Webhook-Timestamp", now)
                .contentType("application/json")
                .body(body)
                .post("/api/webhooks/sendgrid")
                .then()
                .statusCode(204);
        assertThat(d.deliveredAt(0)).isTrue();
        assertThat(d.sendStatus(0)).isEqualTo("sent");
        assertThat(d.sendStatus(1)).isEqualTo("bounced");
        assertThat(d.subscriberStatus(1)).isEqualTo("bounced");
    }
}
