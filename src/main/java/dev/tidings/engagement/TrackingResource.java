package dev.tidings.engagement;

import dev.tidings.common.EngagementEvent;
import dev.tidings.common.EventLog;
import dev.tidings.delivery.TrackingLinks;
import dev.tidings.issue.IssueRenderer;
import dev.tidings.issue.TrackableLinks;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.ClientAddress;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The public tracking endpoints (API.md "Engagement"): {@code GET /t/o/{token}} answers a 1x1
 * image, {@code GET /t/c/{token}} a 302 to the link the issue has at the token's index. Each
 * answers once the event is on Kafka; neither ever fails for the reader: a bad token answers the
 * image, or a 302 to the newsletter's archive, and records nothing.
 *
 * <p>Plain Vert.x routes rather than a JAX-RS resource: these are the busiest public routes, and
 * the resource layer's per-request work (context propagation, the request scope) cost a large
 * share of each request (bench/tracking.sh). They are documented in {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class TrackingResource {

    private static final Logger LOG = Logger.getLogger(TrackingResource.class);
    private static final Buffer PIXEL =
            Buffer.buffer(Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"));
    /** How long an answer waits for the broker before it goes anyway (the event is then lost). */
    private static final Duration APPEND_WAIT = Duration.ofSeconds(5);

    private static final int CACHED_ISSUES = 2000;

    /** What a click needs of an issue: its trackable links and its newsletter (for a broken link). */
    private record IssueLinks(List<String> links, UUID newsletterId) {}

    private final TrackingLinks tracking;
    private final IssueRenderer issues;
    private final NewsletterDirectory newsletters;
    private final MachineReaders machines;
    private final EventLog events;
    private final Map<UUID, IssueLinks> cache = new ConcurrentHashMap<>();

    public TrackingResource(
            TrackingLinks tracking,
            IssueRenderer issues,
            NewsletterDirectory newsletters,
            MachineReaders machines,
            EventLog events) {
        this.tracking = tracking;
        this.issues = issues;
        this.newsletters = newsletters;
        this.machines = machines;
        this.events = events;
    }

    void routes(@Observes Router router) {
        router.get("/t/o/:token").handler(this::open);
        router.get("/t/c/:token").handler(this::click);
    }

    void open(RoutingContext ctx) {
        Optional<TrackingLinks.Tracked> tracked = tracking.open(ctx.pathParam("token"));
        if (tracked.isEmpty()) {
            pixel(ctx.response());
            return;
        }
        TrackingLinks.Tracked t = tracked.get();
        boolean machine = machines.isMachine(ctx.request().getHeader("User-Agent"), ClientAddress.of(ctx.request()));
        record(EngagementEvent.open(t.issueId(), t.sendId(), machine))
                .subscribe()
                .with(done -> pixel(ctx.response()), failure -> pixel(ctx.response()));
    }

    void click(RoutingContext ctx) {
        String token = ctx.pathParam("token");
        Optional<TrackingLinks.Tracked> tracked = tracking.click(token);
        Uni<Redirect> answer;
        if (tracked.isEmpty()) {
            answer = brokenLink(TrackingLinks.claimedIssue(token).orElse(null));
        } else {
            TrackingLinks.Tracked t = tracked.get();
            answer = linksOf(t.issueId()).flatMap(issue -> {
                if (issue == null || t.link() >= issue.links().size()) {
                    return brokenLink(issue == null ? null : t.issueId());
                }
                String target = TrackableLinks.target(issue.links().get(t.link()));
                if (!target.matches("(?i)https?://[^\\s]+")) {
                    return brokenLink(t.issueId());
                }
                boolean machine =
                        machines.isMachine(ctx.request().getHeader("User-Agent"), ClientAddress.of(ctx.request()));
                return record(EngagementEvent.click(t.issueId(), t.sendId(), t.link(), machine))
                        .map(done -> new Redirect(target));
            });
        }
        answer.subscribe()
                .with(
                        redirect -> respond(ctx.response(), redirect),
                        failure -> respond(ctx.response(), new Redirect(null)));
    }

    /** Where a click goes: a URL, or (null) a page saying the link is broken. */
    private record Redirect(String location) {}

    private Uni<Void> record(EngagementEvent event) {
        return events.append(event)
                .ifNoItem()
                .after(APPEND_WAIT)
                .fail()
                .onFailure()
                .recoverWithItem(failure -> {
                    LOG.warnf("a %s event could not be put on Kafka: %s", event.type(), failure.toString());
                    return null;
                });
    }

    /** The links of an issue, kept once read (a sent issue's content no longer changes). */
    private Uni<IssueLinks> linksOf(UUID issueId) {
        IssueLinks cached = cache.get(issueId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return issues.compile(issueId).map(compiled -> {
            if (compiled == null) {
                return null;
            }
            IssueLinks links = new IssueLinks(compiled.links(), compiled.newsletterId());
            if (cache.size() >= CACHED_ISSUES) {
                cache.clear();
            }
            cache.put(issueId, links);
            return links;
        });
    }

    /** A broken or forged link: to the archive of the newsletter it claims to be from, if there is one. */
    private Uni<Redirect> brokenLink(UUID claimedIssue) {
        Uni<IssueLinks> issue = claimedIssue == null ? Uni.createFrom().nullItem() : linksOf(claimedIssue);
        return issue.flatMap(i -> i == null ? Uni.createFrom().nullItem() : newsletters.byId(i.newsletterId()))
                .map(n -> new Redirect(n == null ? null : "/p/" + n.slug() + "/archive"))
                .onFailure()
                .recoverWithItem(new Redirect(null));
    }

    private static void respond(HttpServerResponse response, Redirect redirect) {
        if (response.ended() || response.closed()) {
            return;
        }
        if (redirect.location() == null) {
            response.setStatusCode(404)
                    .putHeader("Content-Type", "text/html; charset=utf-8")
                    .putHeader("Cache-Control", "no-store")
                    .end("<!doctype html><title>Link not found</title><p>This link is not valid"
                            + " (it may have been cut short when it was copied).</p>");
            return;
        }
        response.setStatusCode(302)
                .putHeader("Location", redirect.location())
                .putHeader("Cache-Control", "no-store, private")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Robots-Tag", "noindex")
                .end();
    }

    private static void pixel(HttpServerResponse response) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.putHeader("Content-Type", "image/gif")
                .putHeader("Cache-Control", "no-store, no-cache, must-revalidate, private")
                .putHeader("X-Robots-Tag", "noindex")
                .end(PIXEL);
    }
}
