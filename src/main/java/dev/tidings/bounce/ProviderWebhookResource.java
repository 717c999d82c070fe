package dev.tidings.bounce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import dev.tidings.config.TidingsConfig;
import dev.tidings.web.ProblemMapper;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * The mail providers' bounce, complaint and delivery webhooks (API.md "Bounces from providers and
 * from the bounce mailbox"), each authenticated as its provider documents and refused (401) when
 * its secret is not configured: Amazon SES through SNS (the SNS signature checked against a
 * certificate fetched only from {@code tidings.webhooks.ses.url-pattern}, and the topic among
 * {@code tidings.webhooks.ses.topic-arns}), Postmark (HTTP basic credentials), Mailgun (HMAC of
 * timestamp and token, fresh within {@code tidings.webhooks.max-age}), SendGrid (ECDSA signature of
 * timestamp and body, fresh likewise). What each event means: {@link ProviderReports}.
 */
@Path("/api/webhooks")
@Tag(name = "Delivery")
public class ProviderWebhookResource {

    private static final Logger LOG = Logger.getLogger(ProviderWebhookResource.class);

    private final ProviderReports reports;
    private final SnsCertificates certificates;
    private final ObjectMapper json;
    private final TidingsConfig config;
    private final Pattern snsUrls;

    public ProviderWebhookResource(
            ProviderReports reports, SnsCertificates certificates, ObjectMapper json, TidingsConfig config) {
        this.reports = reports;
        this.certificates = certificates;
        this.json = json;
        this.config = config;
        this.snsUrls = Pattern.compile(config.webhooks().ses().urlPattern());
    }

    @POST
    @Path("/ses")
    @Consumes("*/*")
    @Operation(
            summary = "Amazon SES notifications through SNS (subscription confirmation, Bounce, Complaint, Delivery)")
    public Uni<Response> ses(byte[] body) {
        JsonNode message = parse(body);
        String topic = text(message, "TopicArn");
        List<String> topics = config.webhooks().ses().topicArns().orElse(List.of());
        if (topic == null || !topics.contains(topic)) {
            return unauthorized("The notification is not from a topic in tidings.webhooks.ses.topic-arns");
        }
        String certUrl = text(message, "SigningCertURL");
        if (!ProviderSignatures.Sns.allowedCertUrl(certUrl, snsUrls)) {
            return unauthorized("SigningCertURL is not an SNS certificate URL");
        }
        return certificates
                .get(certUrl)
                .map(cert -> ProviderSignatures.Sns.verify(message, cert) ? Boolean.TRUE : Boolean.FALSE)
                .onFailure()
                .recoverWithItem(e -> {
                    LOG.warnf("SNS signing certificate %s: %s", certUrl, e.getMessage());
                    return null;
                })
                .flatMap(valid -> {
                    if (valid == null) {
                        // Ours to fix, not the sender's: SNS retries a 5xx, so nothing is lost.
                        return Uni.createFrom()
                                .item(ProblemMapper.response(new Problem(
                                        ProblemMapper.typeUri("certificate-unavailable"),
                                        "Service unavailable",
                                        503,
                                        "The SNS signing certificate could not be fetched; SNS will deliver again",
                                        null)));
                    }
                    if (!valid) {
                        return unauthorized("The SNS signature does not verify");
                    }
                    String type = text(message, "Type");
                    if ("SubscriptionConfirmation".equals(type)) {
                        return confirm(text(message, "SubscribeURL"), topic);
                    }
                    if (!"Notification".equals(type)) {
                        return noContent();
                    }
                    JsonNode inner;
                    try {
                        inner = json.readTree(text(message, "Message"));
                    } catch (IOException | IllegalArgumentException e) {
                        throw ProblemException.badRequest(
                                "malformed-json", "Malformed JSON", "The SNS Message is not JSON from SES");
                    }
                    return reports.apply("ses", ProviderEvents.ses(inner)).replaceWith(noContentNow());
                });
    }

    @POST
    @Path("/postmark")
    @Consumes("*/*")
    @Operation(summary = "Postmark bounce, spam complaint and delivery webhooks (HTTP basic credentials)")
    public Uni<Response> postmark(@HeaderParam("Authorization") String authorization, byte[] body) {
        TidingsConfig.Postmark postmark = config.webhooks().postmark();
        if (!ProviderSignatures.postmark(
                postmark.username().orElse(""), postmark.password().orElse(""), authorization)) {
            return unauthorized("Postmark webhooks must carry the configured HTTP basic credentials");
        }
        return reports.apply("postmark", ProviderEvents.postmark(parse(body))).replaceWith(noContentNow());
    }

    @POST
    @Path("/mailgun")
    @Consumes("*/*")
    @Operation(summary = "Mailgun event webhooks (failed, complained, delivered), signed with the webhook signing key")
    public Uni<Response> mailgun(byte[] body) {
        JsonNode event = parse(body);
        JsonNode signature = event.path("signature");
        String timestamp = text(signature, "timestamp");
        if (!ProviderSignatures.mailgun(
                        config.webhooks().mailgun().signingKey().orElse(""),
                        timestamp,
                        text(signature, "token"),
                        text(signature, "signature"))
                || !fresh(ProviderSignatures.epochSeconds(timestamp))) {
            return unauthorized("The Mailgun signature does not verify, or its timestamp is not fresh");
        }
        return reports.apply("mailgun", ProviderEvents.mailgun(event)).replaceWith(noContentNow());
    }

    @POST
    @Path("/sendgrid")
    @Consumes("*/*")
    @Operation(summary = "SendGrid's signed event webhook (bounce, dropped, deferred, spamreport, delivered)")
    public Uni<Response> sendgrid(
            @HeaderParam("X-Twilio-Email-Event-Webhook-Signature") String signature,
            @HeaderParam("X-Twilio-Email-Event-Webhook-Timestamp") String timestamp,
            byte[] body) {
        if (!ProviderSignatures.sendGrid(
                        config.webhooks().sendgrid().publicKey().orElse(""), timestamp, body, signature)
                || !fresh(ProviderSignatures.epochSeconds(timestamp))) {
            return unauthorized("The SendGrid signature does not verify, or its timestamp is not fresh");
        }
        return reports.apply("sendgrid", ProviderEvents.sendGrid(parse(body))).replaceWith(noContentNow());
    }

    private Uni<Response> confirm(String url, String topic) {
        if (!ProviderSignatures.Sns.allowedUrl(url, snsUrls)) {
            return unauthorized("SubscribeURL is not an SNS URL");
        }
        return certificates
                .confirm(url)
                .map(status -> {
                    LOG.infof("Confirmed the SNS subscription to %s (%d)", topic, status);
                    return noContentNow();
                })
                .onFailure()
                .recoverWithItem(e -> {
                    LOG.warnf("The SNS subscription to %s could not be confirmed: %s", topic, e.getMessage());
                    return ProblemMapper.response(new Problem(
                            ProblemMapper.typeUri("subscription-not-confirmed"),
                            "Bad gateway",
                            502,
                            "The subscription could not be confirmed; SNS will ask again",
                            null));
                });
    }

    private boolean fresh(Instant at) {
        return ProviderSignatures.fresh(at, Instant.now(), config.webhooks().maxAge());
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !(node.isObject() || node.isArray())) {
                throw ProblemException.badRequest("not-an-object", "Invalid request", "The body must be JSON");
            }
            return node;
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is not valid JSON");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
    }

    private static Uni<Response> unauthorized(String detail) {
        return Uni.createFrom()
                .item(ProblemMapper.response(
                        new Problem(ProblemMapper.typeUri("bad-signature"), "Unauthorized", 401, detail, null)));
    }

    private static Uni<Response> noContent() {
        return Uni.createFrom().item(noContentNow());
    }

    private static Response noContentNow() {
        return Response.noContent().build();
    }
}
