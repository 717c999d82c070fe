package dev.tidings.issue;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
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
 *
 * <p>Anyone may ask for a page as often as they like, so each is rendered and cleaned once and kept
 * (by issue, version and slug) in a cache bounded by weight; an issue whose HTML is longer than
 * {@link #MAX_CHARS} is not shown here, so that no single page costs more than a few milliseconds
 * to clean or holds more than that much memory.
 */
@Path("/p/{slug}/archive")
@Tag(name = "Public pages")
public class ArchiveResource {

    /** The archive lists at most this many issues (years of a weekly newsletter). */
    static final int LIMIT = 500;

    /** The longest rendered issue (HTML characters) the archive shows; its subscribers got it in full. */
    static final int MAX_CHARS = 256 * 1024;

    /** What the cache of cleaned pages may hold, in characters (about twice that in bytes). */
    static final long CACHE_CHARS = 16L * 1024 * 1024;

    private static final String TOO_LONG =
            "<p>This issue is too long to show in the archive. Its subscribers received it in full by mail.</p>";

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
    private final Counter renders;

    /** A page's cleaned content by issue, version and slug (the slug is in its links). */
    private record Key(UUID issue, Instant version, String slug) {}

    /** The cleaned subject and body of an archived issue; a null body if its template is refused. */
    private record Cleaned(String subject, String body) {}

    private final Cache<Key, Cleaned> pages = Caffeine.newBuilder()
            .maximumWeight(CACHE_CHARS)
            .weigher((Key key, Cleaned page) -> 64
                    + page.subject().length()
                    + (page.body() == null ? 0 : page.body().length()))
            .expireAfterAccess(Duration.ofHours(6))
            .build();

    public ArchiveResource(
            NewsletterDirectory newsletters,
            IssueRepository issues,
            IssueRenderer renderer,
            TidingsConfig config,
            MeterRegistry registry) {
        this.newsletters = newsletters;
        this.issues = issues;
        this.renderer = renderer;
        this.config = config;
        this.renders = Counter.builder("tidings.archive.renders")
                .description("Archive pages rendered and cleaned (a visit served from the cache renders nothing)")
                .register(registry);
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
                            Cleaned page = pages.get(
                                    new Key(id, compiled.updatedAt(), n.slug()), key -> render(compiled, n.slug()));
                            if (page.body() == null) {
                                return notFound(true);
                            }
                            Instant published = issue.publishedAt() != null ? issue.publishedAt() : issue.createdAt();
                            return html(
                                    200,
                                    ArchivePages.issue(
                                            n.slug(),
                                            n.name(),
                                            page.subject(),
                                            published.toString(),
                                            DATE.format(published),
                                            new RawString(page.body())));
                        });
            });
        });
    }

    /**
     * Renders an issue for nobody in particular and cleans it; on a worker thread, since a writer's
     * template may cost up to its render budget.
     */
    private Cleaned render(CompiledIssue compiled, String slug) {
        renders.increment();
        RenderedMail mail;
        try {
            mail = renderer.render(compiled, new Recipient(null, "", "", Map.of()), config.publicUrl() + "/p/" + slug);
        } catch (RenderRefused e) {
            return new Cleaned("", null);
        }
        return new Cleaned(mail.subject(), mail.html().length() > MAX_CHARS ? TOO_LONG : clean(mail.html()));
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
