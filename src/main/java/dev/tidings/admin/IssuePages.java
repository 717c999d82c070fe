package dev.tidings.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Secrets;
import dev.tidings.delivery.DeliveryService;
import dev.tidings.delivery.DeliveryViews;
import dev.tidings.delivery.TestSends;
import dev.tidings.issue.Issue;
import dev.tidings.issue.IssueRequests;
import dev.tidings.issue.IssueService;
import dev.tidings.issue.IssueStatus;
import dev.tidings.newsletter.NewsletterService;
import dev.tidings.newsletter.NewsletterView;
import dev.tidings.subscriber.Subscriber;
import dev.tidings.subscriber.SubscriberService;
import dev.tidings.web.Ids;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Issues of a newsletter: the list with delivery progress, and the editor — subject, preheader,
 * Markdown or HTML, autosave, a server-rendered preview as a chosen subscriber gets it, test send,
 * and publish (now or scheduled) behind a confirmation that names the number of recipients.
 */
@Path("/app/newsletters/{id}/issues")
@Produces(MediaType.TEXT_HTML)
public class IssuePages {

    static final int PAGE = 50;

    /** Subscribers offered in the preview's "as" chooser. */
    static final int PREVIEW_CHOICES = 20;

    static final String STARTER = "Hello {subscriber.name ?: 'there'},\n\nWrite your issue here, in Markdown.\n\n"
            + "[Unsubscribe]({unsubscribeUrl})\n";

    /** The preview frame: the mail's own HTML, never scripts, only inside our admin pages. */
    static final String PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:;"
            + " font-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox";

    public record Row(Issue issue, DeliveryViews.Share share) {}

    public record Editor(
            String format,
            Map<String, String> form,
            Map<String, String> errors,
            List<Subscriber.View> previewAs,
            String idempotencyKey,
            long recipients,
            String audience,
            List<dev.tidings.subscriber.Segment> segments) {

        /** Who the issue goes to, in words. */
        public String audienceName() {
            if (audience.isEmpty()) {
                return "every active subscriber";
            }
            for (dev.tidings.subscriber.Segment s : segments) {
                if (s.id().toString().equals(audience)) {
                    return "the segment \u201c" + s.name() + "\u201d";
                }
            }
            return "the audience rule set through the API";
        }
    }

    private final AdminSupport support;
    private final NewsletterService newsletters;
    private final IssueService issues;
    private final SubscriberService subscribers;
    private final DeliveryService delivery;
    private final TestSends tests;
    private final dev.tidings.subscriber.SegmentService segments;

    public IssuePages(
            AdminSupport support,
            NewsletterService newsletters,
            IssueService issues,
            SubscriberService subscribers,
            DeliveryService delivery,
            TestSends tests,
            dev.tidings.subscriber.SegmentService segments) {
        this.segments = segments;
        this.support = support;
        this.newsletters = newsletters;
        this.issues = issues;
        this.subscribers = subscribers;
        this.delivery = delivery;
        this.tests = tests;
    }

    static String href(Issue issue) {
        String base = "/app/newsletters/" + issue.newsletterId() + "/issues/" + issue.id();
        return issue.status().isEditable() ? base : base + "/delivery";
    }

    @GET
    public Uni<Response> list(
            HttpServerRequest request,
            @PathParam("id") String id,
            @QueryParam("status") String status,
            @QueryParam("cursor") String cursor) {
        return support.page(request, w -> newsletter(w, id).flatMap(n -> issues.list(
                        w.accountId(), n.id(), blank(status), PageRequest.of(String.valueOf(PAGE), cursor))
                .flatMap(page -> delivery.shares(page.items())
                        .map(shares -> AdminSupport.html(
                                200,
                                AdminViews.issues(
                                        w.email(),
                                        w.csrf(),
                                        n,
                                        blank(status),
                                        cursor,
                                        page.items().stream()
                                                .map(i -> new Row(i, shares.get(i.id())))
                                                .toList(),
                                        page.nextCursor(),
                                        Arrays.stream(IssueStatus.values())
                                                .map(IssueStatus::wire)
                                                .toList()))))));
    }

    @GET
    @Path("/new")
    public Uni<Response> newPage(HttpServerRequest request, @PathParam("id") String id) {
        Map<String, String> form = new HashMap<>();
        form.put("format", "markdown");
        form.put("body", STARTER);
        return support.page(request, w -> newsletter(w, id)
                .map(n -> AdminSupport.html(200, AdminViews.issueNew(w.email(), w.csrf(), n, form, Map.of(), null))));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(
            HttpServerRequest request,
            @PathParam("id") String id,
            @RestForm String subject,
            @RestForm String preheader,
            @RestForm String format,
            @RestForm String body) {
        Map<String, String> form = content(subject, preheader, format, body);
        return support.page(request, w -> newsletter(w, id)
                .flatMap(n -> AdminSupport.form(
                        () -> issues.create(
                                        w.accountId(),
                                        n.id(),
                                        new IssueRequests.Create(
                                                subject,
                                                blank(preheader),
                                                isHtml(format) ? null : body(body),
                                                isHtml(format) ? body(body) : null,
                                                null,
                                                null))
                                .map(issue -> AdminSupport.redirect(request, href(issue))),
                        problem -> AdminSupport.html(
                                problem.status(),
                                AdminViews.issueNew(
                                        w.email(),
                                        w.csrf(),
                                        n,
                                        form,
                                        fieldErrors(problem),
                                        AdminSupport.notice(problem))))));
    }

    @GET
    @Path("/{iid}")
    public Uni<Response> editor(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @QueryParam("saved") String saved,
            @QueryParam("tested") String tested) {
        return support.page(request, w -> newsletter(w, id)
                .flatMap(n -> issues.get(w.accountId(), n.id(), issueId(iid)).flatMap(issue -> {
                    if (!issue.status().isEditable()) {
                        return Uni.createFrom().item(AdminSupport.redirect(request, href(issue)));
                    }
                    return editorPage(w, n, issue, formOf(issue), Map.of(), saved != null ? "Saved." : null, 200);
                })));
    }

    private Uni<Response> editorPage(
            Writer w,
            NewsletterView n,
            Issue issue,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            int status) {
        return subscribers
                .list(w.accountId(), n.id(), "active", null, PageRequest.of(String.valueOf(PREVIEW_CHOICES), null))
                .map(Page::items)
                .flatMap(choices -> segments.list(w.accountId(), n.id(), PageRequest.of("200", null))
                        .flatMap(list -> recipients(w, n, issue)
                                .map(recipients -> AdminSupport.html(
                                        status,
                                        AdminViews.issue(
                                                w.email(),
                                                w.csrf(),
                                                n,
                                                issue,
                                                new Editor(
                                                        form.get("format"),
                                                        form,
                                                        errors,
                                                        choices,
                                                        Secrets.newToken("pub_"),
                                                        recipients,
                                                        audienceOf(issue),
                                                        list.items()),
                                                notice)))));
    }

    /** The form value of an issue's audience: "" (everyone), a segment id, or "rule" (set through the API). */
    private static String audienceOf(Issue issue) {
        if (issue.audience() == null) {
            return "";
        }
        return issue.audience().segmentId() != null
                ? issue.audience().segmentId().toString()
                : "rule";
    }

    /** How many active subscribers the issue would go to if it were published now. */
    private Uni<Long> recipients(Writer w, NewsletterView n, Issue issue) {
        if (issue.audience() == null) {
            return Uni.createFrom().item(n.subscriberCounts().active());
        }
        Uni<com.fasterxml.jackson.databind.JsonNode> rule = issue.audience().segmentId() != null
                ? segments.get(w.accountId(), n.id(), issue.audience().segmentId())
                        .map(s -> s.rule())
                : Uni.createFrom().item(issue.audience().rule());
        return rule.flatMap(r -> segments.count(
                        w.accountId(), n.id(), dev.tidings.subscriber.AudienceRule.parse(r, "audience.rule")))
                .map(c -> c.active());
    }

    /** Chooses the audience (everyone or a segment); htmx gets the new count and publish button. */
    @POST
    @Path("/{iid}/audience")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> audience(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @RestForm String audience) {
        boolean htmx = AdminSupport.isHtmx(request);
        return support.page(request, w -> newsletter(w, id).flatMap(n -> issues.get(w.accountId(), n.id(), issueId(iid))
                .flatMap(current -> {
                    if ("rule".equals(audience)) {
                        return Uni.createFrom().item(current);
                    }
                    ObjectNode patch = JsonNodeFactory.instance.objectNode();
                    if (blank(audience) == null) {
                        patch.putNull("audience");
                    } else {
                        patch.putObject("audience").put("segmentId", audience.strip());
                    }
                    return issues.patch(w.accountId(), n.id(), current.id(), PatchBody.of(patch));
                })
                .flatMap(saved -> recipients(w, n, saved).flatMap(recipients -> (saved.audience() == null
                                        || saved.audience().segmentId() == null
                                ? Uni.createFrom()
                                        .item(
                                                saved.audience() == null
                                                        ? "every active subscriber"
                                                        : "the audience rule set through the API")
                                : segments.get(
                                                w.accountId(),
                                                n.id(),
                                                saved.audience().segmentId())
                                        .map(s -> "the segment \u201c" + s.name() + "\u201d"))
                        .map(name -> htmx
                                ? AdminSupport.html(200, AdminViews.audienceStatus(recipients, name))
                                : AdminSupport.redirect(request, href(saved)))))));
    }

    /**
     * Saves the draft: the editor's autosave (htmx, a moment after typing stops) and its Save
     * button. htmx gets the save status and the field messages; a plain post gets the page.
     */
    @POST
    @Path("/{iid}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> save(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @RestForm String subject,
            @RestForm String preheader,
            @RestForm String format,
            @RestForm String body) {
        Map<String, String> form = content(subject, preheader, format, body);
        boolean htmx = AdminSupport.isHtmx(request);
        return support.page(request, w -> newsletter(w, id).flatMap(n -> {
            UUID issueId = issueId(iid);
            return AdminSupport.formAsync(
                    () -> {
                        ObjectNode patch = JsonNodeFactory.instance.objectNode();
                        patch.put("subject", subject == null ? "" : subject);
                        if (blank(preheader) == null) {
                            patch.putNull("preheader");
                        } else {
                            patch.put("preheader", preheader);
                        }
                        patch.put(isHtml(format) ? "bodyHtml" : "bodyMarkdown", body(body));
                        return issues.patch(w.accountId(), n.id(), issueId, PatchBody.of(patch))
                                .map(saved -> htmx
                                        ? Response.fromResponse(AdminSupport.html(
                                                        200, AdminViews.saveStatus(saved.updatedAt(), Map.of(), null)))
                                                .header("HX-Trigger", "preview-refresh")
                                                .build()
                                        : AdminSupport.redirect(request, href(saved) + "?saved=1"));
                    },
                    problem -> htmx
                            ? Uni.createFrom()
                                    .item(AdminSupport.html(
                                            problem.status(),
                                            AdminViews.saveStatus(
                                                    null, fieldErrors(problem), AdminSupport.notice(problem))))
                            : issues.get(w.accountId(), n.id(), issueId)
                                    .flatMap(issue -> editorPage(
                                            w,
                                            n,
                                            issue,
                                            form,
                                            fieldErrors(problem),
                                            AdminSupport.notice(problem),
                                            problem.status())));
        }));
    }

    /** The preview block: subject, the HTML part in a sandboxed frame, the text part. */
    @GET
    @Path("/{iid}/preview")
    public Uni<Response> preview(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @QueryParam("subscriberId") String subscriberId) {
        return support.page(request, w -> {
            UUID newsletterId = NewsletterPages.newsletterId(id);
            UUID issueId = issueId(iid);
            UUID as = blank(subscriberId) == null ? null : SubscriberPages.subscriberId(subscriberId);
            return issues.get(w.accountId(), newsletterId, issueId)
                    .flatMap(issue -> issues.preview(w.accountId(), newsletterId, issueId, as)
                            .map(mail -> AdminSupport.html(
                                    200,
                                    AdminViews.preview(
                                            mail,
                                            "/app/newsletters/" + newsletterId + "/issues/" + issueId
                                                    + "/preview/frame?v="
                                                    + issue.updatedAt().toEpochMilli()
                                                    + (as == null ? "" : "&subscriberId=" + as)))))
                    .onFailure(ProblemException.class)
                    .recoverWithItem(e ->
                            AdminSupport.html(200, AdminViews.alert("The preview cannot be shown: " + e.getMessage())));
        });
    }

    @GET
    @Path("/{iid}/preview/frame")
    public Uni<Response> previewFrame(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @QueryParam("subscriberId") String subscriberId) {
        return support.page(request, w -> issues.preview(
                        w.accountId(),
                        NewsletterPages.newsletterId(id),
                        issueId(iid),
                        blank(subscriberId) == null ? null : SubscriberPages.subscriberId(subscriberId))
                .map(mail -> Response.ok(mail.html())
                        .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                        .header("Content-Security-Policy", PREVIEW_CSP)
                        .header("X-Content-Type-Options", "nosniff")
                        .header("Referrer-Policy", "no-referrer")
                        .header("Cache-Control", "private, max-age=60")
                        .build()));
    }

    @POST
    @Path("/{iid}/test")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> test(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @RestForm String emails) {
        List<String> addresses = emails == null
                ? List.of()
                : Arrays.stream(emails.split("[,;\\s]+"))
                        .filter(s -> !s.isBlank())
                        .toList();
        return support.page(
                request,
                w -> AdminSupport.form(
                        () -> tests.send(w.accountId(), NewsletterPages.newsletterId(id), issueId(iid), addresses)
                                .map(x -> AdminSupport.html(
                                        200,
                                        AdminViews.testStatus(
                                                "Test sent to " + String.join(", ", addresses) + ". Check the inbox.",
                                                false))),
                        problem -> AdminSupport.html(
                                problem.status(), AdminViews.testStatus(problem.getMessage(), true))));
    }

    /**
     * Publishes now or at the chosen time. The form carries an idempotency key made when the page
     * was shown, so a second click (or a resubmitted form) publishes once.
     */
    @POST
    @Path("/{iid}/publish")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> publish(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @RestForm String idempotencyKey,
            @RestForm String when,
            @RestForm String scheduledAt,
            @RestForm String tz) {
        return support.page(request, w -> newsletter(w, id).flatMap(n -> {
            UUID issueId = issueId(iid);
            return AdminSupport.formAsync(
                    () -> delivery.publish(
                                    w.accountId(),
                                    n.id(),
                                    issueId,
                                    "later".equals(when) ? scheduledInstant(scheduledAt, tz) : null,
                                    blank(idempotencyKey))
                            .flatMap(published -> issues.get(w.accountId(), n.id(), issueId))
                            .map(issue -> AdminSupport.redirect(request, href(issue))),
                    problem -> issues.get(w.accountId(), n.id(), issueId)
                            .flatMap(issue -> issue.status().isEditable()
                                    ? editorPage(
                                            w,
                                            n,
                                            issue,
                                            formOf(issue),
                                            fieldErrors(problem),
                                            "Not published: " + problem.getMessage(),
                                            problem.status())
                                    : Uni.createFrom().item(AdminSupport.redirect(request, href(issue)))));
        }));
    }

    @POST
    @Path("/{iid}/delete")
    public Uni<Response> delete(HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid) {
        return support.page(request, w -> {
            UUID newsletterId = NewsletterPages.newsletterId(id);
            return issues.delete(w.accountId(), newsletterId, issueId(iid))
                    .map(x -> AdminSupport.redirect(request, "/app/newsletters/" + newsletterId + "/issues"));
        });
    }

    /** A local date and time from the browser's picker, in the browser's time zone. */
    static Instant scheduledInstant(String local, String tz) {
        if (local == null || local.isBlank()) {
            throw ProblemException.invalid("scheduledAt", "choose a date and time");
        }
        ZoneId zone;
        try {
            zone = tz == null || tz.isBlank() ? ZoneOffset.UTC : ZoneId.of(tz.strip());
        } catch (DateTimeException e) {
            zone = ZoneOffset.UTC;
        }
        Instant at;
        try {
            at = LocalDateTime.parse(local.strip()).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            throw ProblemException.invalid("scheduledAt", "must be a date and time, e.g. 2026-12-01T09:00");
        }
        if (!at.isAfter(Instant.now())) {
            throw ProblemException.invalid("scheduledAt", "must be in the future; to send now, choose \"Now\"");
        }
        return at;
    }

    private Uni<NewsletterView> newsletter(Writer w, String id) {
        return newsletters.get(w.accountId(), NewsletterPages.newsletterId(id));
    }

    /** The API names the body bodyMarkdown or bodyHtml; the editor has one field, "body". */
    static Map<String, String> fieldErrors(ProblemException problem) {
        Map<String, String> errors = new HashMap<>(AdminSupport.fieldErrors(problem));
        String body = errors.containsKey("bodyMarkdown") ? errors.get("bodyMarkdown") : errors.get("bodyHtml");
        if (body != null) {
            errors.put("body", body);
        }
        return errors;
    }

    private static Map<String, String> formOf(Issue issue) {
        boolean html = issue.bodyMarkdown() == null;
        return content(
                issue.subject(),
                issue.preheader(),
                html ? "html" : "markdown",
                html ? issue.bodyHtml() : issue.bodyMarkdown());
    }

    private static Map<String, String> content(String subject, String preheader, String format, String body) {
        Map<String, String> form = new HashMap<>();
        form.put("subject", subject);
        form.put("preheader", preheader);
        form.put("format", isHtml(format) ? "html" : "markdown");
        form.put("body", body);
        return form;
    }

    private static boolean isHtml(String format) {
        return "html".equals(format);
    }

    private static String body(String body) {
        return body == null ? "" : body;
    }

    static UUID issueId(String id) {
        return Ids.parse(id, "This issue");
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
