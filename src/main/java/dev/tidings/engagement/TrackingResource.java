package dev.tidings.engagement;

import dev.tidings.common.EngagementEvent;
import dev.tidings.common.EventLog;
import dev.tidings.delivery.TrackingLinks;
import dev.tidings.issue.IssueRenderer;
import dev.tidings.issue.TrackableLinks;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.ClientAddress;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * The public tracking endpoints (API.md "Engagement"): {@code GET /t/o/{token}} answers a 1x1
 * image, {@code GET /t/c/{token}} a 302 to the link the issue has at the token's index. Each
 * answers once the event is on Kafka; neither ever fails for the reader: a bad token answers the
 * image, or a 302 to the newsletter's archive, and records nothing.
 */
@Path("/t")
@Tag(name = "Engagement")
public class TrackingResource {

    private static final Logger LOG = Logger.getLogger(TrackingResource.class);
    private static final byte[] PIXEL =
            Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
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

    @GET
    @Path("/o/{token}")
    @Operation(summary = "Open pixel (a 1x1 GIF); records an open when the token is genuine")
    public Uni<Response> open(
            @PathParam("token") String token,
            @HeaderParam("User-Agent") String userAgent,
            @Context HttpServerRequest request) {
        Optional<TrackingLinks.Tracked> tracked = tracking.open(token);
        if (tracked.isEmpty()) {
            return Uni.createFrom().item(pixel());
        }
        TrackingLinks.Tracked t = tracked.get();
        boolean machine = machines.isMachine(userAgent, ClientAddress.of(request));
        return record(EngagementEvent.open(t.issueId(), t.sendId(), machine)).map(done -> pixel());
    }

    @GET
    @Path("/c/{token}")
    @Operation(summary = "Tracked link: a 302 to the issue's link; records a click when the token is genuine")
    public Uni<Response> click(
            @PathParam("token") String token,
            @HeaderParam("User-Agent") String userAgent,
            @Context HttpServerRequest request) {
        Optional<TrackingLinks.Tracked> tracked = tracking.click(token);
        if (tracked.isEmpty()) {
            return brokenLink(TrackingLinks.claimedIssue(token).orElse(null));
        }
        TrackingLinks.Tracked t = tracked.get();
        return linksOf(t.issueId()).flatMap(issue -> {
            if (issue == null || t.link() >= issue.links().size()) {
                return brokenLink(issue == null ? null : t.issueId());
            }
            URI target;
            try {
                target = URI.create(TrackableLinks.target(issue.links().get(t.link())));
            } catch (IllegalArgumentException e) {
                return brokenLink(t.issueId());
            }
            boolean machine = machines.isMachine(userAgent, ClientAddress.of(request));
            return record(EngagementEvent.click(t.issueId(), t.sendId(), t.link(), machine))
                    .map(done -> redirect(target));
        });
    }

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
    private Uni<Response> brokenLink(UUID claimedIssue) {
        Uni<IssueLinks> issue = claimedIssue == null ? Uni.createFrom().nullItem() : linksOf(claimedIssue);
        return issue.flatMap(i -> i == null ? Uni.createFrom().nullItem() : newsletters.byId(i.newsletterId()))
                .map(n -> n == null
                        ? Response.status(404)
                                .type("text/html; charset=utf-8")
                                .header("Cache-Control", "no-store")
                                .entity("<!doctype html><title>Link not found</title><p>This link is not valid"
                                        + " (it may have been cut short when it was copied).</p>")
                                .build()
                        : redirect(URI.create("/p/" + n.slug() + "/archive")))
                .onFailure()
                .recoverWithItem(Response.status(404).build());
    }

    private static Response redirect(URI target) {
        return Response.status(302)
                .location(target)
                .header("Cache-Control", "no-store, private")
                .header("Referrer-Policy", "no-referrer")
                .header("X-Robots-Tag", "noindex")
                .build();
    }

    private static Response pixel() {
        return Response.ok(PIXEL, "image/gif")
                .header("Cache-Control", "no-store, no-cache, must-revalidate, private")
                .header("X-Robots-Tag", "noindex")
                .build();
    }
}
