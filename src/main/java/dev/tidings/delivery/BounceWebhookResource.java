package dev.tidings.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.common.EmailAddress;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import dev.tidings.config.TidingsConfig;
import dev.tidings.web.ProblemMapper;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Bounces and complaints reported by the mail provider (what they mean: {@link BounceService}).
 * The raw body must be signed with the
 * shared secret (HMAC-SHA256, hex, header {@code X-Tidings-Signature: sha256=...}) and carry a
 * {@code timestamp} within {@code tidings.webhooks.max-age} of now, so a captured report cannot be
 * replayed later. A hard bounce
 * or complaint suppresses the address — in the given newsletter, or in every newsletter when none
 * is given — and marks the send it names; repeating a report changes nothing more (idempotent).
 * Soft bounces are only recorded against the send, as the retry schedule handles them.
 */
@Path("/api/webhooks/bounces")
@Tag(name = "Delivery")
public class BounceWebhookResource {

    private static final Set<String> TYPES = Set.of("hard", "soft", "complaint");
    private static final Set<String> FIELDS =
            Set.of("email", "type", "newsletterId", "messageId", "diagnostic", "timestamp");

    private final BounceService bounces;
    private final ObjectMapper json;
    private final TidingsConfig config;

    public BounceWebhookResource(BounceService bounces, ObjectMapper json, TidingsConfig config) {
        this.bounces = bounces;
        this.json = json;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Report a bounce or complaint (signed with the webhook secret)")
    public Uni<Response> report(@HeaderParam("X-Tidings-Signature") String signature, byte[] body) {
        if (!validSignature(signature, body)) {
            return Uni.createFrom()
                    .item(ProblemMapper.response(new Problem(
                            ProblemMapper.typeUri("bad-signature"),
                            "Unauthorized",
                            401,
                            "X-Tidings-Signature must be sha256=<hex HMAC-SHA256 of the body with the webhook secret>",
                            null)));
        }
        JsonNode report;
        try {
            report = json.readTree(body);
        } catch (java.io.IOException e) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is not valid JSON");
        }
        if (report == null || !report.isObject()) {
            throw ProblemException.badRequest("not-an-object", "Invalid request", "The body must be a JSON object");
        }
        report.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw ProblemException.invalid(field, "unknown field; check its spelling");
            }
        });
        checkFresh(text(report, "timestamp"));
        EmailAddress email = EmailAddress.parse(text(report, "email"), "email");
        String type = text(report, "type");
        if (type == null || !TYPES.contains(type)) {
            throw ProblemException.invalid("type", "must be hard, soft or complaint");
        }
        UUID newsletterId = uuid(report, "newsletterId");
        UUID sendId = MailComposer.sendIdOf(text(report, "messageId"));
        BounceService.Kind kind = BounceService.Kind.valueOf(type.toUpperCase(java.util.Locale.ROOT));
        return bounces.report(email, kind, newsletterId, sendId, text(report, "diagnostic"))
                .replaceWith(Response.noContent().build());
    }

    /**
     * The signed body carries the time it was made: a captured report replayed later than
     * {@code tidings.webhooks.max-age} (5 minutes) is refused.
     */
    private void checkFresh(String timestamp) {
        if (timestamp == null) {
            throw ProblemException.invalid(
                    "timestamp", "is required: the time of the report, RFC 3339, e.g. 2026-11-29T08:00:00Z");
        }
        Instant at;
        try {
            at = java.time.OffsetDateTime.parse(timestamp).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw ProblemException.invalid("timestamp", "must be an RFC 3339 timestamp, e.g. 2026-11-29T08:00:00Z");
        }
        java.time.Duration maxAge = config.webhooks().maxAge();
        if (java.time.Duration.between(at, Instant.now()).abs().compareTo(maxAge) > 0) {
            throw new ProblemException(
                    401,
                    "stale-webhook",
                    "Unauthorized",
                    "The report's timestamp is more than " + maxAge.toMinutes()
                            + " minutes from now; a report is accepted only when fresh (replays are refused)");
        }
    }

    private boolean validSignature(String header, byte[] body) {
        if (config.webhooks().secret().isEmpty() || header == null || !header.startsWith("sha256=")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(
                    new SecretKeySpec(config.webhooks().secret().get().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal(body);
            byte[] given = HexFormat.of().parseHex(header.substring(7).strip().toLowerCase());
            return MessageDigest.isEqual(expected, given);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static UUID uuid(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid(field, "must be a newsletter id");
        }
    }
}
