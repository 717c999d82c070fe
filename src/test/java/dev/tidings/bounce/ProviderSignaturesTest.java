package dev.tidings.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.bounce.ProviderSignatures.Sns;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProviderSignaturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KeyPair RSA_KEYS = TestSigning.rsaKeyPair();
    private static final X509Certificate RSA_CERTIFICATE = TestSigning.selfSignedCertificate(RSA_KEYS);

    @Nested
    class Mailgun {

        private static final String KEY = TestSigning.MAILGUN_SIGNING_KEY;

        @Test
        void theSampleBodiesAreSignedWithTheTestKey() {
            for (String name : new String[] {
                "mailgun-failed-permanent.json", "mailgun-failed-temporary.json", "mailgun-complained.json"
            }) {
                JsonNode signature = TestSigning.webhookJson(name).path("signature");
                assertThat(ProviderSignatures.mailgun(
                                KEY,
                                signature.path("timestamp").asText(),
                                signature.path("token").asText(),
                                signature.path("signature").asText()))
                        .as(name)
                        .isTrue();
            }
        }

        @Test
        void acceptsTheHmacOfTimestampAndTokenInEitherCase() {
            String signature = TestSigning.mailgunSignature(KEY, "1770920772", "token-1");

            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", signature))
                    .isTrue();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", signature.toUpperCase()))
                    .isTrue();
        }

        @Test
        void refusesAnyChangedPart() {
            String signature = TestSigning.mailgunSignature(KEY, "1770920772", "token-1");

            assertThat(ProviderSignatures.mailgun(KEY, "1770920773", "token-1", signature))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-2", signature))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", flipHex(signature)))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun("another-key", "1770920772", "token-1", signature))
                    .isFalse();
            // the parts are concatenated without separator, so moving a character across is the same text;
            // the timestamp is checked for freshness separately
            assertThat(ProviderSignatures.mailgun(KEY, "177092077", "2token-1", signature))
                    .isTrue();
        }

        @Test
        void refusesMissingOrMalformedInput() {
            String signature = TestSigning.mailgunSignature(KEY, "1770920772", "token-1");

            assertThat(ProviderSignatures.mailgun("", "1770920772", "token-1", signature))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(null, "1770920772", "token-1", signature))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, null, "token-1", signature))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "", signature))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", null))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", "not hex at all"))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", signature.substring(1)))
                    .isFalse();
            assertThat(ProviderSignatures.mailgun(KEY, "1770920772", "token-1", signature.substring(2)))
                    .isFalse();
        }
    }

    @Nested
    class SendGrid {

        private static final byte[] BODY = TestSigning.webhook("sendgrid-events.json");
        private static final String TIMESTAMP = "1770920772";

        private KeyPair keys;
        private String verificationKey;
        private String signature;

        @BeforeEach
        void sign() {
            keys = TestSigning.ecKeyPair();
            verificationKey = TestSigning.sendGridVerificationKey(keys.getPublic());
            signature = TestSigning.signSendGrid(keys.getPrivate(), TIMESTAMP, BODY);
        }

        @Test
        void acceptsTheSignatureOfTimestampThenRawBody() {
            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, BODY, signature))
                    .isTrue();
        }

        @Test
        void acceptsTheKeyInPemArmour() {
            String pem = "-----BEGIN PUBLIC KEY-----\n" + verificationKey + "\n-----END PUBLIC KEY-----\n";

            assertThat(ProviderSignatures.sendGrid(pem, TIMESTAMP, BODY, signature))
                    .isTrue();
        }

        @Test
        void refusesAFlippedByteOfBodyTimestampOrSignature() {
            byte[] body = BODY.clone();
            body[body.length / 2] ^= 1;
            byte[] decoded = Base64.getDecoder().decode(signature);
            decoded[decoded.length - 1] ^= 1;

            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, body, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(verificationKey, "1770920773", BODY, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(
                            verificationKey,
                            TIMESTAMP,
                            BODY,
                            Base64.getEncoder().encodeToString(decoded)))
                    .isFalse();
            byte[] trailing = new byte[BODY.length + 2];
            System.arraycopy(BODY, 0, trailing, 0, BODY.length);
            trailing[BODY.length] = '\r';
            trailing[BODY.length + 1] = '\n';
            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, trailing, signature))
                    .isFalse();
        }

        @Test
        void refusesAnotherKey() {
            String other =
                    TestSigning.sendGridVerificationKey(TestSigning.ecKeyPair().getPublic());

            assertThat(ProviderSignatures.sendGrid(other, TIMESTAMP, BODY, signature))
                    .isFalse();
        }

        @Test
        void refusesKeysThatAreNotP256() throws Exception {
            KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
            p384.initialize(new ECGenParameterSpec("secp384r1"));
            KeyPair big = p384.generateKeyPair();
            String bigSignature = TestSigning.signSendGrid(big.getPrivate(), TIMESTAMP, BODY);
            String rsa =
                    TestSigning.sendGridVerificationKey(TestSigning.rsaKeyPair().getPublic());

            assertThat(ProviderSignatures.sendGrid(
                            TestSigning.sendGridVerificationKey(big.getPublic()), TIMESTAMP, BODY, bigSignature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(rsa, TIMESTAMP, BODY, signature))
                    .isFalse();
        }

        @Test
        void refusesGarbageAndMissingInput() {
            assertThat(ProviderSignatures.sendGrid("not base64 %%%", TIMESTAMP, BODY, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid("AAAA", TIMESTAMP, BODY, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, BODY, "not base64 %%%"))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, BODY, "AAAA"))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, null, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(verificationKey, "", BODY, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(null, TIMESTAMP, BODY, signature))
                    .isFalse();
            assertThat(ProviderSignatures.sendGrid(verificationKey, TIMESTAMP, BODY, null))
                    .isFalse();
        }

        /**
         * The vector of SendGrid's official Java library (sendgrid/sendgrid-java,
         * EventWebhookTest): the body is the JSON of the events followed by CRLF.
         */
        @Test
        void acceptsTheVectorOfSendGridsOwnLibrary() {
            String key = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw"
                    + "+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
            String sig =
                    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
            String body = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\","
                    + "\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\","
                    + "\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\","
                    + "\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\","
                    + "\"timestamp\":1600112492}]\r\n";
            byte[] raw = body.getBytes(StandardCharsets.UTF_8);

            assertThat(ProviderSignatures.sendGrid(key, "1600112502", raw, sig)).isTrue();
            assertThat(ProviderSignatures.sendGrid(key, "1600112503", raw, sig)).isFalse();
        }
    }

    @Nested
    class Postmark {

        @Test
        void acceptsTheExpectedBasicCredentials() {
            assertThat(ProviderSignatures.postmark("hook", "s3cret", TestSigning.basicAuth("hook", "s3cret")))
                    .isTrue();
            assertThat(ProviderSignatures.postmark("hook", "pa:ss:word", TestSigning.basicAuth("hook", "pa:ss:word")))
                    .isTrue();
            assertThat(ProviderSignatures.postmark(
                            "hook",
                            "s3cret",
                            "basic  " + TestSigning.basicAuth("hook", "s3cret").substring(6)))
                    .isTrue();
        }

        @Test
        void refusesOtherCredentials() {
            assertThat(ProviderSignatures.postmark("hook", "s3cret", TestSigning.basicAuth("hook", "s3cre")))
                    .isFalse();
            assertThat(ProviderSignatures.postmark("hook", "s3cret", TestSigning.basicAuth("hoo", "s3cret")))
                    .isFalse();
            assertThat(ProviderSignatures.postmark("hook", "s3cret", TestSigning.basicAuth("s3cret", "hook")))
                    .isFalse();
        }

        @Test
        void refusesEverythingWhenNothingIsExpected() {
            assertThat(ProviderSignatures.postmark("", "", TestSigning.basicAuth("", "")))
                    .isFalse();
            assertThat(ProviderSignatures.postmark("hook", "", TestSigning.basicAuth("hook", "")))
                    .isFalse();
            assertThat(ProviderSignatures.postmark(null, "s3cret", TestSigning.basicAuth("", "s3cret")))
                    .isFalse();
        }

        @Test
        void refusesMalformedHeaders() {
            String encoded = TestSigning.basicAuth("hook", "s3cret").substring(6);

            assertThat(ProviderSignatures.postmark("hook", "s3cret", null)).isFalse();
            assertThat(ProviderSignatures.postmark("hook", "s3cret", encoded)).isFalse();
            assertThat(ProviderSignatures.postmark("hook", "s3cret", "Bearer " + encoded))
                    .isFalse();
            assertThat(ProviderSignatures.postmark("hook", "s3cret", "Basic %%%not-base64"))
                    .isFalse();
            assertThat(ProviderSignatures.postmark(
                            "hook",
                            "s3cret",
                            "Basic "
                                    + Base64.getEncoder()
                                            .encodeToString("hooks3cret".getBytes(StandardCharsets.UTF_8))))
                    .isFalse();
        }
    }

    @Nested
    class Freshness {

        private final Instant now = Instant.parse("2026-03-01T12:00:00Z");
        private final Duration fiveMinutes = Duration.ofMinutes(5);

        @Test
        void acceptsTimestampsWithinTheMaximumAgeEitherWay() {
            assertThat(ProviderSignatures.fresh(now, now, fiveMinutes)).isTrue();
            assertThat(ProviderSignatures.fresh(now.minus(fiveMinutes), now, fiveMinutes))
                    .isTrue();
            assertThat(ProviderSignatures.fresh(now.plus(fiveMinutes), now, fiveMinutes))
                    .isTrue();
        }

        @Test
        void refusesOlderOrLaterTimestampsAndMissingValues() {
            assertThat(ProviderSignatures.fresh(now.minus(fiveMinutes).minusMillis(1), now, fiveMinutes))
                    .isFalse();
            assertThat(ProviderSignatures.fresh(now.plus(fiveMinutes).plusMillis(1), now, fiveMinutes))
                    .isFalse();
            assertThat(ProviderSignatures.fresh(null, now, fiveMinutes)).isFalse();
            assertThat(ProviderSignatures.fresh(now, null, fiveMinutes)).isFalse();
            assertThat(ProviderSignatures.fresh(now, now, null)).isFalse();
            assertThat(ProviderSignatures.fresh(now, now, Duration.ofSeconds(-1)))
                    .isFalse();
            assertThat(ProviderSignatures.fresh(Instant.MIN, Instant.MAX, fiveMinutes))
                    .isFalse();
        }

        @Test
        void readsTheProvidersTimestamps() {
            assertThat(ProviderSignatures.epochSeconds("1770920772")).isEqualTo(Instant.ofEpochSecond(1770920772));
            assertThat(ProviderSignatures.epochSeconds("1770920772.5")).isNull();
            assertThat(ProviderSignatures.epochSeconds("-1")).isNull();
            assertThat(ProviderSignatures.epochSeconds("")).isNull();
            assertThat(ProviderSignatures.epochSeconds(null)).isNull();
            assertThat(ProviderSignatures.epochSeconds("99999999999999999999")).isNull();
            assertThat(ProviderSignatures.iso8601("2012-05-02T00:54:06.655Z"))
                    .isEqualTo(Instant.parse("2012-05-02T00:54:06.655Z"));
            assertThat(ProviderSignatures.iso8601("2012-05-02T02:54:06.655+02:00"))
                    .isEqualTo(Instant.parse("2012-05-02T00:54:06.655Z"));
            assertThat(ProviderSignatures.iso8601("2012-05-02")).isNull();
            assertThat(ProviderSignatures.iso8601(null)).isNull();
        }
    }

    @Nested
    class SnsMessages {

        private final KeyPair keys = RSA_KEYS;
        private final X509Certificate certificate = RSA_CERTIFICATE;

        @Test
        void theStringToSignOfANotificationIncludesTheSubjectOnlyWhenPresent() {
            ObjectNode message = notification();

            assertThat(Sns.stringToSign(message))
                    .isEqualTo("Message\nMy Test Message\n"
                            + "MessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\n"
                            + "Subject\nMy subject\n"
                            + "Timestamp\n2019-01-31T04:37:04.321Z\n"
                            + "TopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\n"
                            + "Type\nNotification\n");

            String withoutSubject = "Message\nMy Test Message\n"
                    + "MessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\n"
                    + "Timestamp\n2019-01-31T04:37:04.321Z\n"
                    + "TopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\n"
                    + "Type\nNotification\n";
            message.remove("Subject");
            assertThat(Sns.stringToSign(message)).isEqualTo(withoutSubject);
            message.putNull("Subject");
            assertThat(Sns.stringToSign(message)).isEqualTo(withoutSubject);
        }

        @Test
        void theStringToSignOfASubscriptionConfirmationIncludesSubscribeUrlAndToken() {
            JsonNode message = TestSigning.webhookJson("sns-subscription-confirmation.json");
            String token = message.path("Token").asText();

            assertThat(Sns.stringToSign(message))
                    .isEqualTo("Message\nYou have chosen to subscribe to the topic "
                            + "arn:aws:sns:us-west-2:123456789012:MyTopic.\n"
                            + "To confirm the subscription, visit the SubscribeURL included in this message.\n"
                            + "MessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\n"
                            + "SubscribeURL\nhttps://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription"
                            + "&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=" + token + "\n"
                            + "Timestamp\n2012-04-26T20:45:04.751Z\n"
                            + "Token\n" + token + "\n"
                            + "TopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\n"
                            + "Type\nSubscriptionConfirmation\n");
            ObjectNode unsubscribe = ((ObjectNode) message).put("Type", "UnsubscribeConfirmation");
            assertThat(Sns.stringToSign(unsubscribe)).endsWith("Type\nUnsubscribeConfirmation\n");
        }

        @Test
        void noStringToSignForOtherTypesOrIncompleteMessages() {
            assertThat(Sns.stringToSign(notification().put("Type", "Other"))).isNull();
            assertThat(Sns.stringToSign(notification().without("Type"))).isNull();
            assertThat(Sns.stringToSign(notification().without("TopicArn"))).isNull();
            assertThat(Sns.stringToSign(notification().put("Message", 42))).isNull();
            assertThat(Sns.stringToSign(notification().put("Subject", 42))).isNull();
            assertThat(Sns.stringToSign(((ObjectNode) TestSigning.webhookJson("sns-subscription-confirmation.json"))
                            .without("Token")))
                    .isNull();
            assertThat(Sns.stringToSign(JSON.createArrayNode())).isNull();
            assertThat(Sns.stringToSign(null)).isNull();
        }

        @Test
        void verifiesSignatureVersionsOneAndTwo() {
            for (String version : new String[] {"1", "2"}) {
                ObjectNode message =
                        TestSigning.signSns(notification(), keys.getPrivate(), version, TestSigning.SNS_CERT_URL);

                assertThat(Sns.verify(message, certificate))
                        .as("version " + version)
                        .isTrue();
                assertThat(Sns.verify(message.put("SignatureVersion", version.equals("1") ? "2" : "1"), certificate))
                        .as("version " + version + " checked as the other")
                        .isFalse();
            }
        }

        @Test
        void verifiesASignedSubscriptionConfirmationAndAMessageWithoutSubject() {
            ObjectNode confirmation = (ObjectNode) TestSigning.webhookJson("sns-subscription-confirmation.json");
            ObjectNode withoutSubject = notification().without("Subject");

            assertThat(Sns.verify(
                            TestSigning.signSns(confirmation, keys.getPrivate(), "2", TestSigning.SNS_CERT_URL),
                            certificate))
                    .isTrue();
            assertThat(Sns.verify(
                            TestSigning.signSns(withoutSubject, keys.getPrivate(), "1", TestSigning.SNS_CERT_URL),
                            certificate))
                    .isTrue();
            assertThat(Sns.verify(withoutSubject.put("Subject", "added later"), certificate))
                    .isFalse();
        }

        @Test
        void refusesAChangedMessageOrSignature() {
            ObjectNode signed = TestSigning.signSns(notification(), keys.getPrivate(), "2", TestSigning.SNS_CERT_URL);
            byte[] signature =
                    Base64.getDecoder().decode(signed.path("Signature").asText());
            signature[0] ^= 1;

            assertThat(Sns.verify(signed.deepCopy().put("Message", "My Test Messagf"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().put("Timestamp", "2019-01-31T04:37:04.322Z"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().put("Type", "SubscriptionConfirmation"), certificate))
                    .isFalse();
            assertThat(Sns.verify(
                            signed.deepCopy()
                                    .put("Signature", Base64.getEncoder().encodeToString(signature)),
                            certificate))
                    .isFalse();
        }

        @Test
        void refusesAnotherCertificateOneNotValidThenAndGarbage() {
            ObjectNode signed = TestSigning.signSns(notification(), keys.getPrivate(), "1", TestSigning.SNS_CERT_URL);
            X509Certificate other = TestSigning.selfSignedCertificate(TestSigning.rsaKeyPair());
            X509Certificate expired = TestSigning.selfSignedCertificate(
                    keys, Instant.parse("2010-01-01T00:00:00Z"), Instant.parse("2019-01-01T00:00:00Z"));

            assertThat(Sns.verify(signed, other)).isFalse();
            assertThat(Sns.verify(signed, expired)).isFalse();
            assertThat(Sns.verify(signed, null)).isFalse();
            assertThat(Sns.verify(null, certificate)).isFalse();
            assertThat(Sns.verify(signed.deepCopy().put("Signature", "%%% not base64"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().put("Signature", "AAAA"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().without("Signature"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().put("SignatureVersion", "3"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().without("SignatureVersion"), certificate))
                    .isFalse();
            assertThat(Sns.verify(signed.deepCopy().put("Timestamp", "yesterday"), certificate))
                    .isFalse();
        }

        /**
         * A notification really signed by SNS, with the certificate it was signed with (both from
         * the test resources of aws/aws-sdk-java-v2, services/sns, Apache-2.0): the string to sign
         * matches what SNS signs.
         */
        @Test
        void verifiesAMessageSignedByAmazonSns() throws Exception {
            X509Certificate aws = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(AWS_CERTIFICATE.getBytes(StandardCharsets.US_ASCII)));
            ObjectNode message = (ObjectNode) JSON.readTree(AWS_MESSAGE);

            assertThat(Sns.verify(message, aws)).isTrue();
            assertThat(Sns.verify(message.put("Message", "boo!"), aws)).isFalse();
        }

        @Test
        void certificateAndSubscribeUrlsMustBeAmazonsSnsOverHttps() {
            Pattern sns = Sns.DEFAULT_URL_PATTERN;

            assertThat(Sns.allowedCertUrl(TestSigning.SNS_CERT_URL, sns)).isTrue();
            assertThat(Sns.allowedCertUrl(
                            "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem", sns))
                    .isTrue();
            assertThat(Sns.allowedUrl(
                            "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:"
                                    + "us-west-2:123456789012:MyTopic&Token=2336412f37",
                            sns))
                    .isTrue();

            assertThat(Sns.allowedCertUrl("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.evil.com/SimpleNotificationService-a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl(
                            "https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://x@sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.us-east-1.amazonaws.com@evil.com/a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.txt", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.us-east-1.amazonaws.com/cert?x=.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.us-east-1.amazonaws.com/a.pem#x.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.us-east-1.amazonaws.com:8443/a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl("https://sns.us-east-1.amazonaws.com/a b.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl(" https://sns.us-east-1.amazonaws.com/a.pem", sns))
                    .isFalse();
            assertThat(Sns.allowedCertUrl(null, sns)).isFalse();
            assertThat(Sns.allowedCertUrl(TestSigning.SNS_CERT_URL, null)).isFalse();
        }

        @Test
        void aCustomPatternStillRefusesUserInfoAndRelativeUrls() {
            Pattern anything = Pattern.compile(".*");

            assertThat(Sns.allowedUrl("https://localhost:8443/sns/confirm", anything))
                    .isTrue();
            assertThat(Sns.allowedUrl("https://user:pw@localhost/sns/confirm", anything))
                    .isFalse();
            assertThat(Sns.allowedUrl("/sns/confirm", anything)).isFalse();
            assertThat(Sns.allowedUrl("mailto:someone@example.com", anything)).isFalse();
            assertThat(Sns.allowedUrl("https://localhost/%zz", anything)).isFalse();
        }

        private static ObjectNode notification() {
            ObjectNode message = JSON.createObjectNode();
            message.put("Type", "Notification");
            message.put("MessageId", "4d4dc071-ddbf-465d-bba8-08f81c89da64");
            message.put("TopicArn", "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P");
            message.put("Subject", "My subject");
            message.put("Message", "My Test Message");
            message.put("Timestamp", "2019-01-31T04:37:04.321Z");
            message.put(
                    "UnsubscribeURL",
                    "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-2:"
                            + "123456789012:s4-MySNSTopic-1G1WEFCOXTC0P:b8c5e8c1");
            return message;
        }
    }

    private static String flipHex(String hex) {
        char last = hex.charAt(hex.length() - 1);
        return hex.substring(0, hex.length() - 1) + (last == '0' ? '1' : '0');
    }

    /** services/sns/src/test/resources/.../sample-message.json of aws/aws-sdk-java-v2. */
    private static final String AWS_MESSAGE =
            """
            {
              "Type": "Notification",
              "MessageId": "d39649d4-bf5b-5b80-af75-07acb3dd9b4a",
              "TopicArn": "arn:aws:sns:us-east-1:810605503585:just_testing",
              "Subject": "this is raw",
              "Message": "boo",
              "Timestamp": "2015-09-20T01:22:14.001Z",
              "SignatureVersion": "1",
              "Signature": "fQh5DUyhpw41y6tx/BJuqK2Clvs7uY6N7poaOfzK08E+C6saKq9dMz5b9A0lGWWU7VsB+qHELBaL3OdS9U4BmFI36Ppt5Q6BsWmqSho+1hgwBYFFFZghO6BYXxsNmLml1yZl2X+MQKy3D516hgN7pUvYnvvq2cfsvy21ivU6Oiv96gcte2s+aPUi6O9CAdc2GfZRXCqC9wowKoxhFUUQW/UTHQfxt/60qWgNxhhVwAbPtnXWkAXwxixYKl5qOHcl3u2TxkAHn+1X8XmgjnpvEO5p0vQvOEHXBnGsjPglRXE9g5FVnAFXjhvHXeTWUcVLNI0eSRJeOBPbKpkjeDsR4g==",
              "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bb750dd426d95ee9390147a5624348ee.pem",
              "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:810605503585:just_testing:3c6297c1-326e-4931-9351-ccc48e02f08a"
            }
            """;

    /** services/sns/src/test/resources/.../unit-test-public-cert.pem of aws/aws-sdk-java-v2. */
    private static final String AWS_CERTIFICATE =
            """
            -----BEGIN CERTIFICATE-----
            MIIE2zCCA8OgAwIBAgIQEyYsBRbV0xBZovJwPnu51TANBgkqhkiG9w0BAQsFADB+
            MQswCQYDVQQGEwJVUzEdMBsGA1UEChMUU3ltYW50ZWMgQ29ycG9yYXRpb24xHzAd
            BgNVBAsTFlN5bWFudGVjIFRydXN0IE5ldHdvcmsxLzAtBgNVBAMTJlN5bWFudGVj
            IENsYXNzIDMgU2VjdXJlIFNlcnZlciBDQSAtIEc0MB4XDTE1MDgwNzAwMDAwMFoX
            DTE2MDgyMTIzNTk1OVowazELMAkGA1UEBhMCVVMxEzARBgNVBAgMCldhc2hpbmd0
            b24xEDAOBgNVBAcMB1NlYXR0bGUxGTAXBgNVBAoMEEFtYXpvbi5jb20sIEluYy4x
            GjAYBgNVBAMMEXNucy5hbWF6b25hd3MuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOC
            AQ8AMIIBCgKCAQEAhJxlGxd4K3wE9m2DFSnUDa+8f9VtclE63p3IgP4Ek/JruNCl
            M8yQiZWhXxTu+ASn6plnL5kIQNv/OzpRkC2ko1hjx31JQmjL9H29AlQgVXr4UeIm
            RZc8AGqh00xLvopj3J+t/oigH5zeMh+rhOYoqr9NjvFUIFfFat42XOhUNpOyPiLb
            N6yuD7Vec7jlVeTG9q7W+V0TupmiQ+pM/RX+ksCCFlQkLH8fB3H4Nr7IHjWuAify
            Z+djibL1CR/e2rEDAmpK1wA4Hkx5YFNDAp/WgAs6nSq7MtEvfs1oP1dHwYaNA8Z2
            zcYGqb5ORtz1bFZy+JLzf7K/PnqEzkf8ywC3IwIDAQABo4IBZjCCAWIwHAYDVR0R
            BBUwE4IRc25zLmFtYXpvbmF3cy5jb20wCQYDVR0TBAIwADAOBgNVHQ8BAf8EBAMC
            BaAwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMGEGA1UdIARaMFgwVgYG
            Z4EMAQICMEwwIwYIKwYBBQUHAgEWF2h0dHBzOi8vZC5zeW1jYi5jb20vY3BzMCUG
            CCsGAQUFBwICMBkaF2h0dHBzOi8vZC5zeW1jYi5jb20vcnBhMB8GA1UdIwQYMBaA
            FF9gz2GQVd+EQxSKYCqy9Xr0QxjvMCsGA1UdHwQkMCIwIKAeoByGGmh0dHA6Ly9z
            cy5zeW1jYi5jb20vc3MuY3JsMFcGCCsGAQUFBwEBBEswSTAfBggrBgEFBQcwAYYT
            aHR0cDovL3NzLnN5bWNkLmNvbTAmBggrBgEFBQcwAoYaaHR0cDovL3NzLnN5bWNi
            LmNvbS9zcy5jcnQwDQYJKoZIhvcNAQELBQADggEBADJP+dxUtQlrRiyt4xn8R184
            wjyf/OVfnA2YqIKPQKz17JPwmm1grDGGw2A6LvsIENHZFg67twZqHgrzmtL4iVrv
            lBCef1QA4AUyUZsJWobx7cCB44PlVcfad69q61OzXMSVUSWzyvw3PU7NW/b2Ny9C
            Zj1p/uwaUOlS6NQTkAlAqE8JZK5f8/kAcoebd0GWBcJwZ5AY0/5ZMzaa55hW+im8
            GzjWCO0mkK6swdvpPYPeQUQ2lb/mqj6HBHa864sgPMgjyx9TuviYWsKhbUZIpysy
            tKvJsKCmyR4pp0HpCsf0tOxrWRjH9cnuqrR//iKXPw3HlYpa5wu9c51cLH/D3dU=
            -----END CERTIFICATE-----
            """;
}
