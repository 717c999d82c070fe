package dev.tidings.issue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Units;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.subscriber.PublicLinks;
import dev.tidings.subscriber.SegmentRepository;
import dev.tidings.subscriber.SubscriberRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Issues of a newsletter: drafts and their edits, and preview (also what a test send sends). Every template is checked
 * when it is saved, so a broken one is a 400 naming the field and line, never a failure mid-send.
 * Content changes only while an issue is a draft or scheduled; publishing belongs to delivery.
 */
@ApplicationScoped
public class IssueService {

    static final int MAX_SUBJECT = 300;
    static final int MAX_PREHEADER = 300;
    static final int MAX_BODY_BYTES = 512 * 1024;
    static final String SAMPLE_NAME = "Sample Reader";
    static final String SAMPLE_EMAIL = "sample@example.com";

    private static final Logger LOG = Logger.getLogger(IssueService.class);

    private final NewsletterDirectory newsletters;
    private final IssueRepository issues;
    private final IssueRenderer renderer;
    private final IssueTemplates templates;
    private final SubscriberRepository subscribers;
    private final SegmentRepository segments;
    private final PublicLinks links;
    private final TidingsConfig config;

    public IssueService(
            NewsletterDirectory newsletters,
            IssueRepository issues,
            IssueRenderer renderer,
            IssueTemplates templates,
            SubscriberRepository subscribers,
            SegmentRepository segments,
            PublicLinks links,
            TidingsConfig config) {
        this.segments = segments;
        this.newsletters = newsletters;
        this.issues = issues;
        this.renderer = renderer;
        this.templates = templates;
        this.subscribers = subscribers;
        this.links = links;
        this.config = config;
    }

    public Uni<Issue> create(UUID accountId, UUID newsletterId, IssueRequests.Create body) {
        return newsletters.owned(accountId, newsletterId).flatMap(n -> {
            if (body == null) {
                throw ProblemException.badRequest("not-an-object", "Invalid request", "The body must be a JSON object");
            }
            List<Problem.FieldError> errors = new ArrayList<>();
            String subject = oneLine("subject", body.subject(), MAX_SUBJECT, false, errors);
            String preheader = oneLine("preheader", body.preheader(), MAX_PREHEADER, true, errors);
            String markdown = body("bodyMarkdown", body.bodyMarkdown(), errors);
            String html = body("bodyHtml", body.bodyHtml(), errors);
            String text = blankToNull(body("bodyText", body.bodyText(), errors));
            if ((body.bodyMarkdown() == null) == (body.bodyHtml() == null)) {
                String message = "give exactly one of bodyMarkdown or bodyHtml";
                errors.add(new Problem.FieldError("bodyMarkdown", message));
                errors.add(new Problem.FieldError("bodyHtml", message));
            }
            Audience audience = Audience.parse(body.audience(), errors);
            fail(errors);
            return checkSegment(newsletterId, audience)
                    .flatMap(ok -> offTheEventLoop(() -> prepare(subject, preheader, markdown, html, text)))
                    .flatMap(content -> issues.insert(newsletterId, content, audience))
                    .onFailure(IssueService::segmentGone)
                    .transform(
                            e -> ProblemException.invalid("audience.segmentId", "is not a segment of this newsletter"));
        });
    }

    public Uni<Page<Issue>> list(UUID accountId, UUID newsletterId, String status, PageRequest page) {
        IssueStatus filter = status == null || status.isBlank() ? null : IssueStatus.parse(status, "status");
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> issues.page(newsletterId, filter, page.withOneMore()))
                .map(rows -> Page.of(rows, page.limit(), i -> new Cursor(i.createdAt(), i.id()), i -> i));
    }

    /** The account's latest issues over all its newsletters, newest first (at most {@code limit}). */
    public Uni<List<Issue>> recent(UUID accountId, int limit) {
        return issues.recentOfAccount(accountId, Math.max(1, Math.min(limit, 50)));
    }

    public Uni<Issue> get(UUID accountId, UUID newsletterId, UUID id) {
        return owned(accountId, newsletterId, id);
    }

    /**
     * A merge patch of subject, preheader, bodyMarkdown, bodyHtml, bodyText. Giving one body makes
     * it the source (bodyMarkdown replaces an HTML body, bodyHtml a Markdown one); removing the only
     * body is refused; bodyText null goes back to deriving the text from the HTML.
     */
    public Uni<Issue> patch(UUID accountId, UUID newsletterId, UUID id, PatchBody patch) {
        return owned(accountId, newsletterId, id).flatMap(current -> {
            requireEditable(current);
            String[] subject = {current.subject()};
            String[] preheader = {current.preheader()};
            String[] markdownGiven = {null};
            String[] htmlGiven = {null};
            String[] text = {current.bodyText()};
            Audience[] audience = {current.audience()};
            List<Problem.FieldError> audienceErrors = new ArrayList<>();
            patch.json("audience", v -> null, v -> audience[0] = Audience.parse(v, audienceErrors));
            audienceErrors.forEach(e -> patch.addError(e.field(), e.message()));
            patch.text("subject", MAX_SUBJECT, false, v -> subject[0] = v)
                    .text("preheader", MAX_PREHEADER, true, v -> preheader[0] = v)
                    .json("bodyMarkdown", IssueService::bodyProblem, v -> markdownGiven[0] = textOf(v))
                    .json("bodyHtml", IssueService::bodyProblem, v -> htmlGiven[0] = textOf(v))
                    .json("bodyText", IssueService::bodyProblem, v -> text[0] = blankToNull(textOf(v)));
            String markdown = current.bodyMarkdown();
            String html = current.bodyMarkdown() == null ? current.bodyHtml() : null;
            if (markdownGiven[0] != null && htmlGiven[0] != null) {
                patch.addError("bodyMarkdown", "give only one of bodyMarkdown or bodyHtml");
                patch.addError("bodyHtml", "give only one of bodyMarkdown or bodyHtml");
            } else if (markdownGiven[0] != null) {
                markdown = markdownGiven[0];
                html = null;
            } else if (htmlGiven[0] != null) {
                markdown = null;
                html = htmlGiven[0];
            } else if (patch.has("bodyMarkdown") && current.bodyMarkdown() != null) {
                patch.addError(
                        "bodyMarkdown", "is the issue's body; send bodyHtml to replace it rather than remove it");
            } else if (patch.has("bodyHtml") && current.bodyMarkdown() == null) {
                patch.addError(
                        "bodyHtml", "is the issue's body; send bodyMarkdown to replace it rather than remove it");
            }
            patch.validate();
            String newMarkdown = markdown;
            String newHtml = html;
            Audience newAudience = audience[0];
            return checkSegment(newsletterId, newAudience)
                    .flatMap(ok ->
                            offTheEventLoop(() -> prepare(subject[0], preheader[0], newMarkdown, newHtml, text[0])))
                    .flatMap(content -> issues.updateContent(newsletterId, id, content, newAudience))
                    .onFailure(IssueService::segmentGone)
                    .transform(
                            e -> ProblemException.invalid("audience.segmentId", "is not a segment of this newsletter"))
                    .flatMap(updated -> updated != null
                            ? Uni.createFrom().item(updated)
                            : owned(accountId, newsletterId, id).map(now -> {
                                requireEditable(now);
                                throw ProblemException.conflict(
                                        "not-editable", "The issue changed meanwhile; try again");
                            }));
        });
    }

    /** Deletes drafts, scheduled, sent and cancelled issues; one being sent must be cancelled first. */
    public Uni<Void> delete(UUID accountId, UUID newsletterId, UUID id) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> issues.delete(newsletterId, id))
                .flatMap(deleted -> deleted
                        ? Uni.createFrom().voidItem()
                        : owned(accountId, newsletterId, id).map(still -> {
                            throw ProblemException.conflict(
                                    "issue-in-flight",
                                    "This issue is " + still.status().wire()
                                            + "; cancel it (or wait until it is sent) before deleting it");
                        }));
    }

    /** The issue as the subscriber would get it, or with sample data when there is none. */
    public Uni<RenderedMail> preview(UUID accountId, UUID newsletterId, UUID id, UUID subscriberId) {
        return newsletters.owned(accountId, newsletterId).flatMap(n -> owned(accountId, newsletterId, id)
                .flatMap(issue -> subscriberId == null
                        ? Uni.createFrom().item(Optional.<Recipient>empty())
                        : subscribers.find(newsletterId, subscriberId).map(s -> {
                            if (s == null) {
                                throw ProblemException.notFound("This subscriber");
                            }
                            return Optional.of(new Recipient(
                                    s.id(),
                                    s.email(),
                                    s.name(),
                                    s.attributes() == null
                                            ? Map.of()
                                            : s.attributes().getMap()));
                        }))
                .flatMap(recipient -> compiled(id)
                        .flatMap(compiled -> offTheEventLoop(() -> renderForPreview(
                                compiled,
                                recipient.orElse(sample()),
                                recipient.isPresent()
                                        ? links.unsubscribeUrl(
                                                n, recipient.get().subscriberId())
                                        : signupPage(n))))));
    }

    /** A template over its budget for this subscriber is the writer's to fix: a 400 saying why. */
    private RenderedMail renderForPreview(CompiledIssue compiled, Recipient recipient, String unsubscribeUrl) {
        try {
            return renderer.render(compiled, recipient, unsubscribeUrl);
        } catch (RenderRefused e) {
            throw ProblemException.badRequest(
                    "template-budget",
                    "The issue cannot be rendered for this subscriber",
                    "This subscriber's mail cannot be rendered: " + e.getMessage());
        }
    }

    /**
     * Runs template work (checks at save, renders for preview) on a worker thread, never on the
     * event loop, and gives up after {@code tidings.templates.check-timeout}. The budget bounds the
     * work; the timeout is the second line.
     */
    private <T> Uni<T> offTheEventLoop(java.util.function.Supplier<T> work) {
        java.time.Duration timeout = config.templates().checkTimeout();
        return Uni.createFrom()
                .item(work)
                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .ifNoItem()
                .after(timeout)
                .failWith(() -> ProblemException.badRequest(
                        "template-too-slow",
                        "Template too slow",
                        "Checking the templates took longer than " + timeout.toSeconds() + " s; simplify them"));
    }

    /** The sign-up page of the newsletter: where test sends and samples point "unsubscribe". */
    public String signupPage(NewsletterDirectory.Ref newsletter) {
        return config.publicUrl() + "/p/" + newsletter.slug();
    }

    static Recipient sample() {
        return new Recipient(null, SAMPLE_EMAIL, SAMPLE_NAME, Map.of());
    }

    private Uni<CompiledIssue> compiled(UUID id) {
        return renderer.compile(id).map(compiled -> {
            if (compiled == null) {
                throw ProblemException.notFound("This issue");
            }
            return compiled;
        });
    }

    /** The audience's segment was deleted between the check and the write (its foreign key). */
    private static boolean segmentGone(Throwable e) {
        return e instanceof io.vertx.pgclient.PgException pg && "23503".equals(pg.getSqlState());
    }

    /** A 400 unless the audience's segment (if it names one) is a segment of this newsletter. */
    private Uni<Boolean> checkSegment(UUID newsletterId, Audience audience) {
        if (audience == null || audience.segmentId() == null) {
            return Uni.createFrom().item(true);
        }
        return segments.find(newsletterId, audience.segmentId()).map(found -> {
            if (found == null) {
                throw ProblemException.invalid("audience.segmentId", "is not a segment of this newsletter");
            }
            return true;
        });
    }

    private Uni<Issue> owned(UUID accountId, UUID newsletterId, UUID id) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> issues.find(newsletterId, id))
                .map(issue -> {
                    if (issue == null) {
                        throw ProblemException.notFound("This issue");
                    }
                    return issue;
                });
    }

    private static void requireEditable(Issue issue) {
        if (!issue.status().isEditable()) {
            throw ProblemException.conflict(
                    "not-editable",
                    "This issue is " + issue.status().wire() + "; only drafts and scheduled issues can be edited");
        }
    }

    /**
     * Renders Markdown and checks every template; throws a 400 naming each broken field and line.
     * Errors in the derived text part are the source body's, since that is where they come from.
     */
    private IssueContent prepare(String subject, String preheader, String markdown, String html, String text) {
        List<Problem.FieldError> errors = new ArrayList<>();
        templates.problem("subject", subject, IssueTemplates.TEXT).ifPresent(errors::add);
        String source = markdown != null ? "bodyMarkdown" : "bodyHtml";
        Optional<Problem.FieldError> bodyProblem = Optional.empty();
        if (markdown != null) {
            // Checked as written first, so that lines are the writer's lines.
            bodyProblem = templates.problem(source, markdown, IssueTemplates.TEXT);
            if (bodyProblem.isEmpty()) {
                long maxHtml = config.templates().maxOutput().asLongValue();
                try {
                    html = Markdown.toHtml(markdown, maxHtml);
                } catch (Markdown.TooLong e) {
                    bodyProblem = Optional.of(new Problem.FieldError(
                            source,
                            "becomes more than "
                                    + Units.bytes(maxHtml)
                                    + " of HTML, more than a mail may hold (a long link used many times?)"));
                }
            }
        }
        if (bodyProblem.isEmpty()) {
            bodyProblem = templates.problem(source, html, IssueTemplates.HTML);
        }
        bodyProblem.ifPresent(errors::add);
        if (text != null) {
            templates.problem("bodyText", text, IssueTemplates.TEXT).ifPresent(errors::add);
        } else if (bodyProblem.isEmpty()) {
            templates
                    .problem(source, PlainText.fromHtml(html), IssueTemplates.TEXT)
                    .ifPresent(errors::add);
        }
        fail(errors);
        return new IssueContent(subject, preheader, markdown, html, text);
    }

    private static String oneLine(
            String field, String value, int max, boolean optional, List<Problem.FieldError> errors) {
        if (value == null || value.isBlank()) {
            if (!optional) {
                errors.add(new Problem.FieldError(field, "must not be blank"));
            }
            return null;
        }
        String stripped = value.strip();
        if (stripped.length() > max) {
            errors.add(new Problem.FieldError(field, "must be at most " + max + " characters"));
        } else if (stripped.contains("\r") || stripped.contains("\n")) {
            errors.add(new Problem.FieldError(field, "must be one line"));
        }
        return stripped;
    }

    private static String body(String field, String value, List<Problem.FieldError> errors) {
        if (value == null) {
            return null;
        }
        String problem = sizeProblem(value);
        if (value.isBlank()) {
            problem = "must not be blank";
        }
        if (problem != null) {
            errors.add(new Problem.FieldError(field, problem));
        }
        return value;
    }

    private static String bodyProblem(JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            return "must be a string";
        }
        if (value.asText().isBlank()) {
            return "must not be blank";
        }
        return sizeProblem(value.asText());
    }

    private static String sizeProblem(String value) {
        // Cheap bound first: a UTF-8 character takes at most 3 bytes per UTF-16 unit.
        if (value.length() * 3L > MAX_BODY_BYTES && value.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            return "must be at most " + MAX_BODY_BYTES / 1024 + " KiB";
        }
        return null;
    }

    private static String textOf(JsonNode value) {
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void fail(List<Problem.FieldError> errors) {
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }
}
