package dev.tidings.issue;

import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.safety.Safelist;

/**
 * The public archive of a newsletter, no login: its sent issues, newest first, and each one as a
 * page, rendered for nobody in particular (empty name and address). Its own path under
 * {@code /p/{slug}} so that it does not collide with the sign-up pages.
 *
 * <p>An issue's HTML is the writer's own and is served here on our origin, so it is cleaned with
 * jsoup's relaxed safelist (no scripts, event handlers, styles or forms) and the page carries a
 * Content-Security-Policy that runs no script at all.
 */
@Path("/p/{slug}/archive")
@Tag(name = "Public pages")
public class ArchiveResource {

    /** The archive lists at most this many issues (years of a weekly newsletter). */
    static final int LIMIT = 500;

    private static final String CSP = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline';"
            + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final Safelist SAFE =
            Safelist.relaxed().addEnforcedAttribute("a", "rel", "nofollow noopener noreferrer");

    private final NewsletterDirectory newsletters;
    private final IssueRepository issues;
    private final IssueRenderer renderer;
    private final TidingsConfig config;

    public ArchiveResource(
            NewsletterDirectory newsletters, IssueRepository issues, IssueRenderer renderer, TidingsConfig config) {
        this.newsletters = newsletters;
        this.issues = issues;
        this.renderer = renderer;
        this.config = config;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The newsletter's sent issues, newest first")
    public Uni<Response> list(@PathParam("slug") String slug) {
        return newsletters.bySlug(slug).flatMap(n -> {
            if (n == null) {
                return Uni.createFrom().item(notFound(false));
            }
            return issues.archive(n.id(), LIMIT)
                    .map(entries -> html(
                            200,
                            ArchivePages.list(
                                    n.slug(),
                                    n.name(),
                                    entries.stream()
                                            .map(e -> new ArchivePages.Entry(
                                                    "/p/" + n.slug() + "/archive/" + e.id(),
                                                    e.subject(),
                                                    e.publishedAt().toString(),
                                                    DATE.format(e.publishedAt())))
                                            .toList())));
        });
    }

    @GET
    @Path("/{issueId}")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "One sent issue")
    public Uni<Response> issue(@PathParam("slug") String slug, @PathParam("issueId") String issueId) {
        UUID id;
        try {
            id = UUID.fromString(issueId);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(notFound(true));
        }
        return newsletters.bySlug(slug).flatMap(n -> {
            if (n == null) {
                return Uni.createFrom().item(notFound(false));
            }
            return issues.findSent(n.id(), id).flatMap(issue -> {
                if (issue == null) {
                    return Uni.createFrom().item(notFound(true));
                }
                return renderer.compile(id)
                        .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                        .map(compiled -> {
                            if (compiled == null) {
                                return notFound(true);
                            }
                            RenderedMail mail;
                            try {
                                // On a worker thread: a writer's template may cost up to its render budget.
                                mail = renderer.render(
                                        compiled,
                                        new Recipient(null, "", "", Map.of()),
                                        config.publicUrl() + "/p/" + n.slug());
                            } catch (RenderRefused e) {
                                return notFound(true);
                            }
                            Instant published = issue.publishedAt() != null ? issue.publishedAt() : issue.createdAt();
                            return html(
                                    200,
                                    ArchivePages.issue(
                                            n.slug(),
                                            n.name(),
                                            mail.subject(),
                                            published.toString(),
                                            DATE.format(published),
                                            new RawString(clean(mail.html()))));
                        });
            });
        });
    }

    /** The body of the rendered mail without its hidden preheader, safe to show on our origin. */
    static String clean(String html) {
        Document document = Jsoup.parse(html);
        document.select(".tidings-preheader").remove();
        return Jsoup.clean(document.body().html(), SAFE);
    }

    private static Response notFound(boolean issue) {
        return html(
                404,
                issue
                        ? ArchivePages.notFound(
                                "Issue not found", "This issue is not in the archive. Check the link, or see the list.")
                        : ArchivePages.notFound(
                                "Newsletter not found", "There is no newsletter at this address. Check the link."));
    }

    private static Response html(int status, TemplateInstance page) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Content-Security-Policy", CSP)
                .entity(page.render())
                .build();
    }
}
