package dev.tidings.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.bounce.ProviderEvent.Kind;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProviderEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Nested
    class Ses {

        @Test
        void aPermanentBounceIsHardForEachRecipientWithOurMessageId() {
            List<ProviderEvent> events = ProviderEvents.ses(sample("ses-bounce-notification.json"));

            assertThat(events)
                    .containsExactly(
                            new ProviderEvent(
                                    Kind.HARD,
                                    "jane@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c01@tidings.example>",
                                    "smtp; 550 5.1.1 <jane@example.com>... User"),
                            new ProviderEvent(
                                    Kind.HARD,
                                    "richard@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c01@tidings.example>",
                                    "Permanent General"));
        }

        @Test
        void transientAndUndeterminedBouncesAreSoftAndOthersNothing() {
            ObjectNode bounce = sample("ses-bounce-notification.json");
            ObjectNode details = (ObjectNode) bounce.get("bounce");

            details.put("bounceType", "Transient").put("bounceSubType", "MailboxFull");
            assertThat(ProviderEvents.ses(bounce))
                    .extracting(ProviderEvent::kind)
                    .containsExactly(Kind.SOFT, Kind.SOFT);
            details.put("bounceType", "Undetermined");
            assertThat(ProviderEvents.ses(bounce))
                    .extracting(ProviderEvent::kind)
                    .containsExactly(Kind.SOFT, Kind.SOFT);
            details.put("bounceType", "Something new");
            assertThat(ProviderEvents.ses(bounce)).isEmpty();
            details.remove("bounceType");
            assertThat(ProviderEvents.ses(bounce)).isEmpty();
        }

        @Test
        void readsEventPublishingToo() {
            ObjectNode bounce = sample("ses-bounce-notification.json");
            bounce.set("eventType", bounce.remove("notificationType"));

            assertThat(ProviderEvents.ses(bounce)).hasSize(2);
        }

        @Test
        void aComplaintIsAComplaintUnlessTheFeedbackSaysNotSpam() {
            ObjectNode complaint = sample("ses-complaint-notification.json");

            assertThat(ProviderEvents.ses(complaint))
                    .containsExactly(new ProviderEvent(
                            Kind.COMPLAINT,
                            "richard@example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c02@tidings.example>",
                            "abuse"));
            ((ObjectNode) complaint.get("complaint")).put("complaintFeedbackType", "not-spam");
            assertThat(ProviderEvents.ses(complaint)).isEmpty();
            ((ObjectNode) complaint.get("complaint")).remove("complaintFeedbackType");
            assertThat(ProviderEvents.ses(complaint))
                    .extracting(ProviderEvent::kind, ProviderEvent::diagnostic)
                    .containsExactly(tuple(Kind.COMPLAINT, null));
        }

        @Test
        void aDeliveryIsDeliveredWithTheSmtpResponseOnOneLine() {
            assertThat(ProviderEvents.ses(sample("ses-delivery-notification.json")))
                    .containsExactly(new ProviderEvent(
                            Kind.DELIVERED,
                            "jane@example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c03@tidings.example>",
                            "250 ok: Message 64111812 accepted"));
        }

        @Test
        void theMessageIdComesFromTheOriginalHeadersNeverFromSes() {
            ObjectNode delivery = sample("ses-delivery-notification.json");
            ObjectNode mail = (ObjectNode) delivery.get("mail");

            mail.remove("commonHeaders");
            assertThat(ProviderEvents.ses(delivery))
                    .extracting(ProviderEvent::messageId)
                    .containsExactly("<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c03@tidings.example>");
            mail.remove("headers");
            assertThat(ProviderEvents.ses(delivery))
                    .extracting(ProviderEvent::messageId)
                    .containsExactly((String) null);
        }

        @Test
        void acceptsTheMessageAsTextOrInsideItsSnsEnvelope() throws Exception {
            String message = JSON.writeValueAsString(sample("ses-complaint-notification.json"));
            ObjectNode envelope = TestSigning.snsNotification(
                    message, "arn:aws:sns:us-east-1:123456789012:ses-feedback", Instant.now());
            List<ProviderEvent> expected = ProviderEvents.ses(sample("ses-complaint-notification.json"));

            assertThat(ProviderEvents.ses(JSON.getNodeFactory().textNode(message)))
                    .isEqualTo(expected);
            assertThat(ProviderEvents.ses(envelope)).isEqualTo(expected);
            assertThat(ProviderEvents.ses(JSON.getNodeFactory().textNode("{not json")))
                    .isEmpty();
        }

        @Test
        void oddShapesGiveNothingForTheOddPart() throws Exception {
            assertThat(ProviderEvents.ses(null)).isEmpty();
            assertThat(ProviderEvents.ses(JSON.createArrayNode())).isEmpty();
            assertThat(ProviderEvents.ses(JSON.readTree("{\"notificationType\":\"Received\"}")))
                    .isEmpty();
            assertThat(ProviderEvents.ses(JSON.readTree("{\"notificationType\":\"Bounce\"}")))
                    .isEmpty();
            assertThat(ProviderEvents.ses(
                            JSON.readTree("{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
                                    + "\"bouncedRecipients\":{\"emailAddress\":\"a@example.com\"}},\"mail\":[]}")))
                    .isEmpty();
            assertThat(ProviderEvents.ses(
                            JSON.readTree("{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
                                    + "\"bouncedRecipients\":[42, \"b@example.com\", {\"emailAddress\":7},"
                                    + "{\"emailAddress\":\"not an address\"}, {\"emailAddress\":\"c@example.com\","
                                    + "\"diagnosticCode\":5}]},\"mail\":{\"commonHeaders\":{\"messageId\":9}}}")))
                    .containsExactly(new ProviderEvent(Kind.HARD, "c@example.com", null, "Permanent"));
            assertThat(
                            ProviderEvents.ses(
                                    JSON.readTree(
                                            "{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":[{\"a\":1},\"d@example.com\"]}}")))
                    .containsExactly(new ProviderEvent(Kind.DELIVERED, "d@example.com", null, null));
        }

        @Test
        void yieldsAtMostAThousandEvents() {
            ObjectNode bounce = sample("ses-bounce-notification.json");
            ArrayNode recipients = ((ObjectNode) bounce.get("bounce")).putArray("bouncedRecipients");
            for (int i = 0; i < 1500; i++) {
                recipients.addObject().put("emailAddress", "r" + i + "@example.com");
            }

            List<ProviderEvent> events = ProviderEvents.ses(bounce);

            assertThat(events).hasSize(ProviderEvents.MAX_EVENTS);
            assertThat(events.get(999).email()).isEqualTo("r999@example.com");
        }
    }

    @Nested
    class Postmark {

        @Test
        void aHardBounceCarriesOurMessageIdFromTheMetadata() {
            assertThat(ProviderEvents.postmark(sample("postmark-bounce.json")))
                    .containsExactly(new ProviderEvent(
                            Kind.HARD,
                            "john@example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c04@tidings.example>",
                            "smtp;550 5.1.1 The email account that you tried to reach does not exist."));
        }

        @Test
        void bounceTypesMapToHardSoftComplaintOrNothing() {
            ObjectNode bounce = sample("postmark-bounce.json");

            for (String type : List.of("HardBounce", "BadEmailAddress", "ManuallyDeactivated")) {
                assertThat(kinds(ProviderEvents.postmark(bounce.put("Type", type))))
                        .as(type)
                        .containsExactly(Kind.HARD);
            }
            for (String type : List.of("SoftBounce", "Transient", "DnsError", "Blocked", "DMARCPolicy")) {
                assertThat(kinds(ProviderEvents.postmark(bounce.put("Type", type))))
                        .as(type)
                        .containsExactly(Kind.SOFT);
            }
            assertThat(kinds(ProviderEvents.postmark(bounce.put("Type", "SpamComplaint"))))
                    .containsExactly(Kind.COMPLAINT);
            for (String type : List.of(
                    "AutoResponder",
                    "AddressChange",
                    "Unsubscribe",
                    "Subscribe",
                    "SpamNotification",
                    "OpenRelayTest",
                    "Unknown",
                    "VirusNotification",
                    "ChallengeVerification",
                    "Unconfirmed",
                    "SMTPApiError",
                    "InboundError",
                    "TemplateRenderingFailed",
                    "SomethingNew")) {
                assertThat(ProviderEvents.postmark(bounce.put("Type", type)))
                        .as(type)
                        .isEmpty();
            }
            assertThat(ProviderEvents.postmark(bounce.without("Type"))).isEmpty();
        }

        @Test
        void aSpamComplaintIsAComplaint() {
            assertThat(ProviderEvents.postmark(sample("postmark-spam-complaint.json")))
                    .containsExactly(
                            new ProviderEvent(Kind.COMPLAINT, "john@example.com", null, "Test spam complaint details"));
        }

        @Test
        void aDeliveryIsDeliveredToTheRecipient() {
            assertThat(ProviderEvents.postmark(sample("postmark-delivery.json")))
                    .containsExactly(new ProviderEvent(
                            Kind.DELIVERED,
                            "john@example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c05@tidings.example>",
                            "smtp;250 2.0.0 OK 1480624905 l186si10190883ite.73 - gsmtp"));
        }

        @Test
        void withoutOurMetadataTheMessageIdComesFromAHeadersArrayAndNeverFromPostmark() {
            ObjectNode complaint = sample("postmark-spam-complaint.json");
            complaint
                    .putArray("Headers")
                    .add(JSON.createObjectNode().put("Name", "X-Other").put("Value", "x"))
                    .add(JSON.createObjectNode().put("Name", "Message-Id").put("Value", "abc@tidings.example"));

            assertThat(ProviderEvents.postmark(complaint))
                    .extracting(ProviderEvent::messageId)
                    .containsExactly("<abc@tidings.example>");
            assertThat(ProviderEvents.postmark(sample("postmark-spam-complaint.json")))
                    .extracting(ProviderEvent::messageId)
                    .containsExactly((String) null);
        }

        @Test
        void readsTheOlderBounceHookWithoutRecordTypeAndIgnoresOtherRecords() {
            ObjectNode legacy = sample("postmark-bounce.json");
            legacy.remove("RecordType");

            assertThat(kinds(ProviderEvents.postmark(legacy))).containsExactly(Kind.HARD);
            for (String recordType : List.of("Open", "Click", "SubscriptionChange", "Inbound")) {
                assertThat(ProviderEvents.postmark(
                                sample("postmark-delivery.json").put("RecordType", recordType)))
                        .as(recordType)
                        .isEmpty();
            }
        }

        @Test
        void oddShapesGiveNothingForTheOddPart() throws Exception {
            assertThat(ProviderEvents.postmark(null)).isEmpty();
            assertThat(ProviderEvents.postmark(JSON.readTree("\"Bounce\""))).isEmpty();
            assertThat(ProviderEvents.postmark(sample("postmark-bounce.json").without("Email")))
                    .isEmpty();
            assertThat(ProviderEvents.postmark(sample("postmark-bounce.json").put("Email", 42)))
                    .isEmpty();
            assertThat(ProviderEvents.postmark(sample("postmark-bounce.json").put("Type", 1)))
                    .isEmpty();
            assertThat(ProviderEvents.postmark(sample("postmark-delivery.json").put("Metadata", "x")))
                    .extracting(ProviderEvent::messageId)
                    .containsExactly((String) null);
            assertThat(ProviderEvents.postmark(
                            sample("postmark-delivery.json").put("Details", "").put("Description", "   ")))
                    .extracting(ProviderEvent::diagnostic)
                    .containsExactly((String) null);
            ArrayNode many = JSON.createArrayNode();
            for (int i = 0; i < 1200; i++) {
                many.add(sample("postmark-delivery.json").put("Recipient", "r" + i + "@example.com"));
            }
            assertThat(ProviderEvents.postmark(many)).hasSize(ProviderEvents.MAX_EVENTS);
        }
    }

    @Nested
    class Mailgun {

        @Test
        void aPermanentFailureIsHardWithTheSmtpReplyOnOneLine() {
            assertThat(ProviderEvents.mailgun(sample("mailgun-failed-permanent.json")))
                    .containsExactly(new ProviderEvent(
                            Kind.HARD,
                            "alice@example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c06@tidings.example>",
                            "550 5.1.1 The email account that you tried to reach does not exist. Please try 5.1.1"
                                    + " double-checking the recipient's email address for typos"));
        }

        @Test
        void aTemporaryFailureIsSoft() {
            assertThat(ProviderEvents.mailgun(sample("mailgun-failed-temporary.json")))
                    .containsExactly(new ProviderEvent(
                            Kind.SOFT,
                            "bob@nomx.example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c07@tidings.example>",
                            "498 No MX for nomx.example.com"));
        }

        @Test
        void aComplaintIsAComplaint() {
            assertThat(ProviderEvents.mailgun(sample("mailgun-complained.json")))
                    .containsExactly(new ProviderEvent(
                            Kind.COMPLAINT,
                            "carol@example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c08@tidings.example>",
                            null));
        }

        @Test
        void aDeliveryIsDelivered() {
            ObjectNode body = sample("mailgun-failed-temporary.json");
            ObjectNode data = (ObjectNode) body.get("event-data");
            data.put("event", "delivered").remove("severity");
            data.putObject("delivery-status").put("code", 250).put("message", "OK");

            assertThat(ProviderEvents.mailgun(body))
                    .containsExactly(new ProviderEvent(
                            Kind.DELIVERED,
                            "bob@nomx.example.com",
                            "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c07@tidings.example>",
                            "250 OK"));
        }

        @Test
        void aDropOfAnAddressThatBouncedBeforeIsHardWithItsDescription() throws Exception {
            ObjectNode body = sample("mailgun-failed-permanent.json");
            ((ObjectNode) body.get("event-data"))
                    .put("reason", "suppress-bounce")
                    .set(
                            "delivery-status",
                            JSON.readTree("{\"attempt-no\":1,\"message\":\"\",\"code\":605,\"enhanced-code\":\"\","
                                    + "\"description\":\"Not delivering to previously bounced address\","
                                    + "\"session-seconds\":0}"));

            assertThat(ProviderEvents.mailgun(body))
                    .extracting(ProviderEvent::kind, ProviderEvent::diagnostic)
                    .containsExactly(tuple(Kind.HARD, "605 Not delivering to previously bounced address"));
        }

        @Test
        void otherEventsAndOddShapesGiveNothing() throws Exception {
            ObjectNode body = sample("mailgun-failed-permanent.json");
            ObjectNode data = (ObjectNode) body.get("event-data");

            assertThat(ProviderEvents.mailgun(null)).isEmpty();
            assertThat(ProviderEvents.mailgun(JSON.readTree("[]"))).isEmpty();
            assertThat(ProviderEvents.mailgun(JSON.readTree("{\"event-data\":\"failed\"}")))
                    .isEmpty();
            for (String event : List.of("accepted", "opened", "clicked", "unsubscribed", "rejected")) {
                ObjectNode other = sample("mailgun-complained.json");
                ((ObjectNode) other.get("event-data")).put("event", event);
                assertThat(ProviderEvents.mailgun(other)).as(event).isEmpty();
            }
            data.remove("severity");
            assertThat(ProviderEvents.mailgun(body)).isEmpty();
            data.put("severity", "permanent").put("recipient", 42);
            assertThat(ProviderEvents.mailgun(body)).isEmpty();
            data.put("recipient", "alice@example.com").put("message", "not an object");
            data.put("delivery-status", "not an object");
            assertThat(ProviderEvents.mailgun(body))
                    .containsExactly(new ProviderEvent(Kind.HARD, "alice@example.com", null, "bounce"));
        }
    }

    @Nested
    class SendGrid {

        @Test
        void mapsBouncesDropsComplaintsDeliveriesAndDeferrals() {
            assertThat(ProviderEvents.sendGrid(TestSigning.webhookJson("sendgrid-events.json")))
                    .containsExactly(
                            new ProviderEvent(
                                    Kind.SOFT,
                                    "deferred@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c11@tidings.example>",
                                    "400 try again later"),
                            new ProviderEvent(
                                    Kind.DELIVERED,
                                    "delivered@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c12@tidings.example>",
                                    "250 OK"),
                            new ProviderEvent(
                                    Kind.HARD,
                                    "bounce@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c13@tidings.example>",
                                    "500 unknown recipient"),
                            new ProviderEvent(
                                    Kind.SOFT,
                                    "blocked@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c14@tidings.example>",
                                    "550 5.7.1 Message rejected due to local policy"),
                            new ProviderEvent(
                                    Kind.HARD,
                                    "dropped-bounced@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c15@tidings.example>",
                                    "Bounced Address"),
                            new ProviderEvent(
                                    Kind.HARD,
                                    "dropped-invalid@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c16@tidings.example>",
                                    "Invalid"),
                            new ProviderEvent(
                                    Kind.COMPLAINT,
                                    "spamreport@example.com",
                                    "<0b1e6c52-8f1e-4c39-9a4e-2f6d3b1a7c19@tidings.example>",
                                    null));
        }

        @Test
        void addsAngleBracketsAndFallsBackToTheStatusForTheDiagnostic() throws Exception {
            JsonNode events = JSON.readTree("[{\"email\":\"a@example.com\",\"event\":\"bounce\",\"type\":\"bounce\","
                    + "\"status\":\"5.1.1\",\"smtp-id\":\"abc@tidings.example\"}]");

            assertThat(ProviderEvents.sendGrid(events))
                    .containsExactly(new ProviderEvent(Kind.HARD, "a@example.com", "<abc@tidings.example>", "5.1.1"));
        }

        @Test
        void oddShapesGiveNothingForTheOddPart() throws Exception {
            assertThat(ProviderEvents.sendGrid(null)).isEmpty();
            assertThat(ProviderEvents.sendGrid(JSON.readTree("42"))).isEmpty();
            assertThat(ProviderEvents.sendGrid(
                            JSON.readTree("[42, \"x\", [], {\"event\":\"bounce\",\"email\":\"a@example.com\"},"
                                    + "{\"event\":\"bounce\",\"type\":\"expired\",\"email\":\"a@example.com\"},"
                                    + "{\"event\":\"dropped\",\"email\":\"a@example.com\"},"
                                    + "{\"event\":7,\"email\":\"a@example.com\"},"
                                    + "{\"event\":\"delivered\",\"email\":[\"a@example.com\"]},"
                                    + "{\"event\":\"spamreport\",\"email\":\"b@example.com\",\"smtp-id\":5}]")))
                    .containsExactly(new ProviderEvent(Kind.COMPLAINT, "b@example.com", null, null));
            assertThat(ProviderEvents.sendGrid(JSON.readTree("{\"event\":\"deferred\",\"email\":\"c@example.com\"}")))
                    .containsExactly(new ProviderEvent(Kind.SOFT, "c@example.com", null, null));
        }

        @Test
        void yieldsAtMostAThousandEvents() {
            ArrayNode events = JSON.createArrayNode();
            for (int i = 0; i < 1200; i++) {
                events.addObject().put("event", "deferred").put("email", "r" + i + "@example.com");
            }

            assertThat(ProviderEvents.sendGrid(events)).hasSize(ProviderEvents.MAX_EVENTS);
        }
    }

    @Test
    void diagnosticsAreOneShortLine() {
        String emoji = "\uD83D\uDE00";

        assertThat(ProviderEvents.oneLine(" 550\r\n\t5.1.1  user\u0000unknown "))
                .isEqualTo("550 5.1.1 user unknown");
        assertThat(ProviderEvents.oneLine("x".repeat(1000))).hasSize(300);
        assertThat(ProviderEvents.oneLine("x".repeat(299) + emoji + "y")).isEqualTo("x".repeat(299));
        assertThat(ProviderEvents.oneLine(" \n ")).isNull();
        assertThat(ProviderEvents.oneLine(null)).isNull();
    }

    @Test
    void messageIdsGetAngleBracketsAndAddressesAreLowerCased() {
        assertThat(ProviderEvents.messageId("abc@host")).isEqualTo("<abc@host>");
        assertThat(ProviderEvents.messageId(" <abc@host> ")).isEqualTo("<abc@host>");
        assertThat(ProviderEvents.messageId("  ")).isNull();
        assertThat(ProviderEvents.email(" Jane.Doe@Example.COM ")).isEqualTo("jane.doe@example.com");
        assertThat(ProviderEvents.email("no-at-sign")).isNull();
        assertThat(ProviderEvents.email("@example.com")).isNull();
        assertThat(ProviderEvents.email("a b@example.com")).isNull();
    }

    private static List<Kind> kinds(List<ProviderEvent> events) {
        return events.stream().map(ProviderEvent::kind).toList();
    }

    private static ObjectNode sample(String name) {
        return (ObjectNode) TestSigning.webhookJson(name);
    }
}
