package dev.tidings.bounce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.bounce.ProviderEvent.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the bounce, complaint and delivery reports of Amazon SES, Postmark, Mailgun and SendGrid
 * into {@link ProviderEvent}s. Only authenticated input belongs here (see {@link
 * ProviderSignatures}).
 *
 * <p>Every mapper is lenient: an event type that does not matter (opens, clicks, processed, ...)
 * gives nothing, an event lacking its recipient address or holding a value of the wrong JSON type
 * is skipped, and nothing throws. One call yields at most {@value #MAX_EVENTS} events.
 *
 * <p>The message id is always our own Message-ID header, never the provider's id for the mail:
 * SES reports it in {@code mail.commonHeaders}, Mailgun in {@code message.headers}, SendGrid as
 * {@code smtp-id}; Postmark only echoes what we put in the metadata {@value
 * #POSTMARK_METADATA_MESSAGE_ID}.
 */
public final class ProviderEvents {

    /** The most events one call returns; the rest of a larger batch is ignored. */
    public static final int MAX_EVENTS = 1000;

    /** The Postmark metadata key under which sends carry our Message-ID. */
    public static final String POSTMARK_METADATA_MESSAGE_ID = "tidings-message-id";

    static final int MAX_DIAGNOSTIC_CHARS = 300;

    private static final int MAX_EMAIL_CHARS = 320;
    private static final int MAX_MESSAGE_ID_CHARS = 998;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, Kind> POSTMARK_BOUNCE_TYPES = Map.ofEntries(
            Map.entry("HardBounce", Kind.HARD),
            Map.entry("BadEmailAddress", Kind.HARD),
            Map.entry("ManuallyDeactivated", Kind.HARD),
            Map.entry("SoftBounce", Kind.SOFT),
            Map.entry("Transient", Kind.SOFT),
            Map.entry("DnsError", Kind.SOFT),
            Map.entry("Blocked", Kind.SOFT),
            Map.entry("DMARCPolicy", Kind.SOFT),
            Map.entry("SpamComplaint", Kind.COMPLAINT));

    private static final Set<String> SES_SOFT_BOUNCES = Set.of("Transient", "Undetermined");

    private ProviderEvents() {}

    /**
     * The events of an Amazon SES notification: the JSON of the SNS {@code Message} field (given as
     * parsed JSON, as the string itself, or inside the whole SNS {@code Notification}). A {@code
     * Bounce} (from {@code notificationType} or, with event publishing, {@code eventType}) gives
     * one event per bounced recipient, HARD when permanent and SOFT when transient or undetermined;
     * a {@code Complaint} one COMPLAINT per complained recipient (none for feedback type {@code
     * not-spam}); a {@code Delivery} one DELIVERED per recipient.
     */
    public static List<ProviderEvent> ses(JsonNode snsMessageJson) {
        JsonNode notification = sesNotification(snsMessageJson);
        if (notification == null) {
            return List.of();
        }
        String type = text(notification, "notificationType");
        if (type == null) {
            type = text(notification, "eventType");
        }
        String messageId = sesMessageId(notification.path("mail"));
        List<ProviderEvent> events = new ArrayList<>();
        if ("Bounce".equals(type)) {
            JsonNode bounce = notification.path("bounce");
            String bounceType = text(bounce, "bounceType");
            Kind kind = "Permanent".equals(bounceType)
                    ? Kind.HARD
                    : bounceType != null && SES_SOFT_BOUNCES.contains(bounceType) ? Kind.SOFT : null;
            if (kind == null) {
                return List.of();
            }
            String general = join(bounceType, text(bounce, "bounceSubType"));
            for (JsonNode recipient : elements(bounce.path("bouncedRecipients"))) {
                add(
                        events,
                        kind,
                        text(recipient, "emailAddress"),
                        messageId,
                        firstOf(text(recipient, "diagnosticCode"), general));
            }
        } else if ("Complaint".equals(type)) {
            JsonNode complaint = notification.path("complaint");
            String feedbackType = text(complaint, "complaintFeedbackType");
            if ("not-spam".equalsIgnoreCase(feedbackType)) {
                return List.of();
            }
            for (JsonNode recipient : elements(complaint.path("complainedRecipients"))) {
                add(events, Kind.COMPLAINT, text(recipient, "emailAddress"), messageId, feedbackType);
            }
        } else if ("Delivery".equals(type)) {
            JsonNode delivery = notification.path("delivery");
            String response = text(delivery, "smtpResponse");
            for (JsonNode recipient : elements(delivery.path("recipients"))) {
                add(events, Kind.DELIVERED, recipient.isTextual() ? recipient.textValue() : null, messageId, response);
            }
        }
        return List.copyOf(events);
    }

    /**
     * The events of a Postmark webhook (one record, or an array of them): {@code RecordType}
     * {@code Bounce} by its {@code Type} (HardBounce, BadEmailAddress, ManuallyDeactivated: HARD;
     * SoftBounce, Transient, DnsError, Blocked, DMARCPolicy: SOFT; SpamComplaint: COMPLAINT;
     * auto-responders and other informational types: nothing), {@code SpamComplaint} as
     * COMPLAINT and {@code Delivery} as DELIVERED. A record without {@code RecordType} but with a
     * {@code Type} is read as a bounce (Postmark's older bounce hook).
     */
    public static List<ProviderEvent> postmark(JsonNode body) {
        List<ProviderEvent> events = new ArrayList<>();
        for (JsonNode record : recordOrRecords(body)) {
            if (events.size() >= MAX_EVENTS) {
                break;
            }
            String recordType = text(record, "RecordType");
            String type = text(record, "Type");
            if (recordType == null && type != null) {
                recordType = "Bounce";
            }
            String diagnostic = firstOf(text(record, "Details"), text(record, "Description"));
            String messageId = postmarkMessageId(record);
            if ("Bounce".equals(recordType)) {
                Kind kind = type == null ? null : POSTMARK_BOUNCE_TYPES.get(type);
                if (kind != null) {
                    add(events, kind, text(record, "Email"), messageId, diagnostic);
                }
            } else if ("SpamComplaint".equals(recordType)) {
                add(events, Kind.COMPLAINT, text(record, "Email"), messageId, diagnostic);
            } else if ("Delivery".equals(recordType)) {
                add(events, Kind.DELIVERED, text(record, "Recipient"), messageId, diagnostic);
            }
        }
        return List.copyOf(events);
    }

    /**
     * The event of a Mailgun webhook body ({@code signature} and {@code event-data}): {@code failed}
     * with {@code severity} permanent is HARD and temporary SOFT, {@code complained} is COMPLAINT,
     * {@code delivered} is DELIVERED; the diagnostic is the SMTP code and message of {@code
     * delivery-status}.
     */
    public static List<ProviderEvent> mailgun(JsonNode body) {
        JsonNode data = body == null ? null : body.get("event-data");
        if (data == null || !data.isObject()) {
            return List.of();
        }
        Kind kind =
                switch (String.valueOf(text(data, "event"))) {
                    case "failed" -> switch (String.valueOf(text(data, "severity"))) {
                        case "permanent" -> Kind.HARD;
                        case "temporary" -> Kind.SOFT;
                        default -> null;
                    };
                    case "complained" -> Kind.COMPLAINT;
                    case "delivered" -> Kind.DELIVERED;
                    default -> null;
                };
        if (kind == null) {
            return List.of();
        }
        String messageId = text(data.path("message").path("headers"), "message-id");
        List<ProviderEvent> events = new ArrayList<>();
        add(events, kind, text(data, "recipient"), messageId, mailgunDiagnostic(data));
        return List.copyOf(events);
    }

    /**
     * The events of a SendGrid Event Webhook body (an array of events): {@code bounce} of type
     * {@code bounce} is HARD and of type {@code blocked} SOFT; {@code dropped} is HARD when the
     * reason is a bounced or invalid address and nothing otherwise (unsubscribed, spam reporting,
     * sender errors); {@code spamreport} is COMPLAINT, {@code delivered} DELIVERED and {@code
     * deferred} SOFT.
     */
    public static List<ProviderEvent> sendGrid(JsonNode arrayOfEvents) {
        List<ProviderEvent> events = new ArrayList<>();
        for (JsonNode event : recordOrRecords(arrayOfEvents)) {
            if (events.size() >= MAX_EVENTS) {
                break;
            }
            String reason = text(event, "reason");
            Kind kind =
                    switch (String.valueOf(text(event, "event"))) {
                        case "bounce" -> switch (String.valueOf(text(event, "type"))) {
                            case "bounce" -> Kind.HARD;
                            case "blocked" -> Kind.SOFT;
                            default -> null;
                        };
                        case "dropped" -> hardDrop(reason) ? Kind.HARD : null;
                        case "spamreport" -> Kind.COMPLAINT;
                        case "delivered" -> Kind.DELIVERED;
                        case "deferred" -> Kind.SOFT;
                        default -> null;
                    };
            if (kind != null) {
                String diagnostic = firstOf(reason, text(event, "response"), text(event, "status"));
                add(events, kind, text(event, "email"), text(event, "smtp-id"), diagnostic);
            }
        }
        return List.copyOf(events);
    }

    /** One line of at most {@value #MAX_DIAGNOSTIC_CHARS} characters, or null when blank. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        String line = text.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        if (line.isEmpty()) {
            return null;
        }
        if (line.length() > MAX_DIAGNOSTIC_CHARS) {
            int end = Character.isHighSurrogate(line.charAt(MAX_DIAGNOSTIC_CHARS - 1))
                    ? MAX_DIAGNOSTIC_CHARS - 1
                    : MAX_DIAGNOSTIC_CHARS;
            line = line.substring(0, end).strip();
        }
        return line;
    }

    /** A Message-ID in angle brackets, or null when blank or too long for a header. */
    static String messageId(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String id = raw.strip();
        if (!id.startsWith("<")) {
            id = "<" + id;
        }
        if (!id.endsWith(">")) {
            id = id + ">";
        }
        return id.length() > MAX_MESSAGE_ID_CHARS ? null : id;
    }

    /** A lower-cased address, or null when it is not one. */
    static String email(String raw) {
        if (raw == null) {
            return null;
        }
        String email = raw.strip().toLowerCase(Locale.ROOT);
        if (email.isEmpty()
                || email.length() > MAX_EMAIL_CHARS
                || email.indexOf('@') <= 0
                || email.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            return null;
        }
        return email;
    }

    private static void add(
            List<ProviderEvent> events, Kind kind, String rawEmail, String rawMessageId, String diagnostic) {
        String email = email(rawEmail);
        if (events.size() >= MAX_EVENTS || email == null) {
            return;
        }
        events.add(new ProviderEvent(kind, email, messageId(rawMessageId), oneLine(diagnostic)));
    }

    /** The notification itself, also when given as the Message string or inside its SNS envelope. */
    private static JsonNode sesNotification(JsonNode node) {
        JsonNode notification = node;
        if (notification != null && notification.isTextual()) {
            notification = parse(notification.textValue());
        } else if (notification != null
                && notification.isObject()
                && !notification.has("notificationType")
                && !notification.has("eventType")
                && "Notification".equals(text(notification, "Type"))
                && text(notification, "Message") != null) {
            notification = parse(text(notification, "Message"));
        }
        return notification != null && notification.isObject() ? notification : null;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            return null;
        }
    }

    /** Our Message-ID as SES saw it: the original headers, not SES's own {@code mail.messageId}. */
    private static String sesMessageId(JsonNode mail) {
        String common = text(mail.path("commonHeaders"), "messageId");
        return common != null ? common : header(mail.path("headers"), "name", "value", "Message-ID");
    }

    private static String postmarkMessageId(JsonNode record) {
        String metadata = text(record.path("Metadata"), POSTMARK_METADATA_MESSAGE_ID);
        return metadata != null ? metadata : header(record.path("Headers"), "Name", "Value", "Message-ID");
    }

    /** The value of the first header of that name in an array of name/value objects. */
    private static String header(JsonNode headers, String nameField, String valueField, String name) {
        for (JsonNode header : elements(headers)) {
            if (name.equalsIgnoreCase(text(header, nameField))) {
                return text(header, valueField);
            }
        }
        return null;
    }

    private static String mailgunDiagnostic(JsonNode data) {
        JsonNode status = data.path("delivery-status");
        JsonNode codeNode = status.get("code");
        String code =
                codeNode != null && (codeNode.isIntegralNumber() || codeNode.isTextual()) ? codeNode.asText() : null;
        String message = firstOf(text(status, "message"), text(status, "description"));
        if (message == null) {
            return firstOf(code, text(data, "reason"));
        }
        return code == null || code.isBlank() ? message : code + " " + message;
    }

    /** SendGrid drops that mean the address is bad: on the bounce list, or on the invalid list. */
    private static boolean hardDrop(String reason) {
        if (reason == null) {
            return false;
        }
        String lower = reason.toLowerCase(Locale.ROOT);
        return lower.contains("bounced address") || (lower.contains("invalid") && !lower.contains("smtpapi"));
    }

    private static Iterable<JsonNode> elements(JsonNode array) {
        return array != null && array.isArray() ? array : List.of();
    }

    private static Iterable<JsonNode> recordOrRecords(JsonNode body) {
        if (body == null) {
            return List.of();
        }
        return body.isArray() ? body : body.isObject() ? List.of(body) : List.of();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static String firstOf(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate;
            }
        }
        return null;
    }

    private static String join(String first, String second) {
        if (first == null) {
            return second;
        }
        return second == null ? first : first + " " + second;
    }
}
