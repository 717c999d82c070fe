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
        record(ctx, EngagementEvent.open(t.issueId(), t.sendId(), machine), () -> pixel(ctx.response()));
    }

    void click(RoutingContext ctx) {
        String token = ctx.pathParam("token");
        Optional<TrackingLinks.Tracked> tracked = tracking.click(token);
        if (tracked.isEmpty()) {
            answer(ctx, brokenLink(TrackingLinks.claimedIssue(token).orElse(null)));
            return;
        }
        TrackingLinks.Tracked t = tracked.get();
        IssueLinks cached = cache.get(t.issueId());
        if (cached != null) {
            click(ctx, t, cached);
            return;
        }
        linksOf(t.issueId())
                .subscribe()
                .with(issue -> click(ctx, t, issue), failure -> respond(ctx.response(), new Redirect(null)));
    }

    private void click(RoutingContext ctx, TrackingLinks.Tracked t, IssueLinks issue) {
        if (issue == null || t.link() >= issue.links().size()) {
            answer(ctx, brokenLink(issue == null ? null : t.issueId()));
            return;
        }
        String target = TrackableLinks.target(issue.links().get(t.link()));
        if (!target.matches("(?i)https?://[^\\s]+")) {
            answer(ctx, brokenLink(t.issueId()));
            return;
        }
        boolean machine = machines.isMachine(ctx.request().getHeader("User-Agent"), ClientAddress.of(ctx.request()));
        record(
                ctx,
                EngagementEvent.click(t.issueId(), t.sendId(), t.link(), machine),
                () -> respond(ctx.response(), new Redirect(target)));
    }

    private static void answer(RoutingContext ctx, Uni<Redirect> redirect) {
        redirect.subscribe()
                .with(r -> respond(ctx.response(), r), failure -> respond(ctx.response(), new Redirect(null)));
    }

    /**
     * Puts the event on Kafka and answers once the broker has it (or after {@link #APPEND_WAIT},
     * or at a failure: the reader is never kept waiting or shown an error).
     */
    private void record(RoutingContext ctx, EngagementEvent event, Runnable answer) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        long timer = ctx.vertx().setTimer(APPEND_WAIT.toMillis(), id -> {
            if (done.compareAndSet(false, true)) {
                LOG.warnf("a %s event was not acknowledged by Kafka in time", event.type());
                answer.run();
            }
        });
        events.send(event, failure -> {
            if (failure != null) {
                LOG.warnf("a %s event could not be put on Kafka: %s", event.type(), failure.toString());
            }
            if (done.compareAndSet(false, true)) {
                ctx.vertx().cancelTimer(timer);
                answer.run();
            }
        });
    }

    /** Where a click goes: a URL, or (null) a page saying the link is broken. */
    private record Redirect(String location) {}

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
