package dev.tidings.admin;

import dev.tidings.common.PageRequest;
import dev.tidings.delivery.DeliveryService;
import dev.tidings.delivery.DeliveryViews;
import dev.tidings.issue.Issue;
import dev.tidings.issue.IssueService;
import dev.tidings.newsletter.NewsletterService;
import dev.tidings.newsletter.NewsletterView;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An issue's delivery: progress live over Server-Sent Events (rate, counts per status, time
 * left), pause, resume and cancel, and the sends with each failure's last SMTP reply.
 */
@Path("/app/newsletters/{id}/issues/{iid}/delivery")
@Produces(MediaType.TEXT_HTML)
public class DeliveryPages {

    static final int PAGE = 50;

    /** How often a live progress stream reads the counters. */
    static final Duration TICK = Duration.ofSeconds(1);

    /** A stream ends after this long; the browser reconnects (bounded work per connection). */
    static final Duration STREAM_LIFETIME = Duration.ofMinutes(10);

    /** Live streams one account may hold open at once (tabs); more are refused. */
    static final int STREAMS_PER_ACCOUNT = 8;

    /** Live streams one instance serves at once, over all accounts (sign-up is open to anyone). */
    static final int STREAMS_PER_INSTANCE = 200;

    public record Live(DeliveryViews.Progress p, int percent, long done, String eta, boolean active) {}

    private final AdminSupport support;
    private final NewsletterService newsletters;
    private final IssueService issues;
    private final DeliveryService delivery;
    private final Slots streams = new Slots(STREAMS_PER_ACCOUNT, STREAMS_PER_INSTANCE);

    public DeliveryPages(
            AdminSupport support, NewsletterService newsletters, IssueService issues, DeliveryService delivery) {
        this.support = support;
        this.newsletters = newsletters;
        this.issues = issues;
        this.delivery = delivery;
    }

    @GET
    public Uni<Response> page(
            HttpServerRequest request,
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @QueryParam("status") String status,
            @QueryParam("cursor") String cursor) {
        return support.page(request, w -> {
            UUID issueId = IssuePages.issueId(iid);
            return newsletters
                    .get(w.accountId(), NewsletterPages.newsletterId(id))
                    .flatMap(n -> issues.get(w.accountId(), n.id(), issueId)
                            .flatMap(issue -> delivery.progress(w.accountId(), n.id(), issueId)
                                    .flatMap(progress -> delivery.sends(
                                                    w.accountId(),
                                                    n.id(),
                                                    issueId,
                                                    SubscriberPages.blankToNull(status),
                                                    PageRequest.of(String.valueOf(PAGE), cursor))
                                            .flatMap(sends -> delivery.details(w.accountId(), n.id(), issueId)
                                                    .map(details -> AdminSupport.html(
                                                            200,
                                                            AdminViews.delivery(
                                                                    w.email(),
                                                                    w.csrf(),
                                                                    n,
                                                                    issue,
                                                                    live(progress),
                                                                    SubscriberPages.blankToNull(status),
                                                                    cursor,
                                                                    sends.items(),
                                                                    sends.nextCursor(),
                                                                    SEND_STATUSES,
                                                                    details)))))));
        });
    }

    /** The relays and throttled domains block, polled every 5 s by the page while the issue is under way. */
    @GET
    @Path("/details")
    public Uni<Response> details(HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid) {
        return support.page(request, w -> {
            UUID newsletterId = NewsletterPages.newsletterId(id);
            UUID issueId = IssuePages.issueId(iid);
            return delivery.progress(w.accountId(), newsletterId, issueId)
                    .flatMap(progress -> delivery.details(w.accountId(), newsletterId, issueId)
                            .map(details -> AdminSupport.html(
                                    200,
                                    AdminViews.deliveryDetails(
                                            newsletterId,
                                            issueId,
                                            details,
                                            live(progress).active()))));
        });
    }

    static final List<String> SEND_STATUSES =
            List.of("queued", "sending", "sent", "retrying", "failed", "bounced", "skipped");

    /** The progress block every second while the issue is under way, then once more, and a "done" event. */
    @GET
    @Path("/stream")
    @Authenticated
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(
            HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid, @Context Sse sse) {
        UUID newsletterId = NewsletterPages.newsletterId(id);
        UUID issueId = IssuePages.issueId(iid);
        return support.writer(request).onItem().transformToMulti(w -> {
            if (!streams.open(w.accountId())) {
                return Multi.createFrom()
                        .item(sse.newEventBuilder()
                                .name("refused")
                                .reconnectDelay(60_000)
                                .data("Too many live views are open; reload this page later.")
                                .build());
            }
            AtomicBoolean ended = new AtomicBoolean();
            return Multi.createFrom()
                    .ticks()
                    .startingAfter(Duration.ofMillis(1))
                    .every(TICK)
                    .select()
                    .first(STREAM_LIFETIME)
                    .onOverflow()
                    .drop()
                    .onItem()
                    .transformToUniAndConcatenate(tick -> delivery.progress(w.accountId(), newsletterId, issueId))
                    .select()
                    .first(p -> !ended.get())
                    .onItem()
                    .transformToIterable(p -> {
                        Live live = live(p);
                        OutboundSseEvent progress = sse.newEventBuilder()
                                .name("progress")
                                .data(AdminViews.deliveryProgress(newsletterId, issueId, live)
                                        .render()
                                        .replace('\n', ' '))
                                .build();
                        if (live.active()) {
                            return List.of(progress);
                        }
                        ended.set(true);
                        return List.of(
                                progress,
                                sse.newEventBuilder().name("done").data("done").build());
                    })
                    .onTermination()
                    .invoke(() -> streams.close(w.accountId()));
        });
    }

    /** Open live streams, per account and in all; an account with none open has no entry. */
    static final class Slots {
        private final int perAccount;
        private final int total;
        private final Map<UUID, Integer> byAccount = new ConcurrentHashMap<>();
        private final AtomicInteger all = new AtomicInteger();

        Slots(int perAccount, int total) {
            this.perAccount = perAccount;
            this.total = total;
        }

        /** Takes a slot, unless the account's or the instance's limit is reached. */
        boolean open(UUID accountId) {
            if (all.incrementAndGet() > total) {
                all.decrementAndGet();
                return false;
            }
            boolean[] opened = {false};
            byAccount.compute(accountId, (k, n) -> {
                int count = n == null ? 0 : n;
                opened[0] = count < perAccount;
                return opened[0] ? count + 1 : n;
            });
            if (!opened[0]) {
                all.decrementAndGet();
            }
            return opened[0];
        }

        void close(UUID accountId) {
            all.decrementAndGet();
            byAccount.computeIfPresent(accountId, (k, n) -> n <= 1 ? null : n - 1);
        }

        int open() {
            return all.get();
        }

        int accounts() {
            return byAccount.size();
        }
    }

    @POST
    @Path("/pause")
    public Uni<Response> pause(HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid) {
        return steer(request, id, iid, (w, n, i) -> delivery.pause(w, n, i));
    }

    @POST
    @Path("/resume")
    public Uni<Response> resume(HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid) {
        return steer(request, id, iid, (w, n, i) -> delivery.resume(w, n, i));
    }

    @POST
    @Path("/cancel")
    public Uni<Response> cancel(HttpServerRequest request, @PathParam("id") String id, @PathParam("iid") String iid) {
        return steer(request, id, iid, (w, n, i) -> delivery.cancel(w, n, i));
    }

    interface Steering {
        Uni<Void> apply(UUID accountId, UUID newsletterId, UUID issueId);
    }

    private Uni<Response> steer(HttpServerRequest request, String id, String iid, Steering steering) {
        return support.page(request, w -> {
            UUID newsletterId = NewsletterPages.newsletterId(id);
            UUID issueId = IssuePages.issueId(iid);
            return steering.apply(w.accountId(), newsletterId, issueId)
                    .map(x -> AdminSupport.redirect(
                            request, "/app/newsletters/" + newsletterId + "/issues/" + issueId + "/delivery"));
        });
    }

    /** Progress with what the page shows beside the counts: done share and time left at the current rate. */
    static Live live(DeliveryViews.Progress p) {
        long done = p.sent() + p.failed() + p.bounced() + p.skipped();
        int percent = p.recipients() == 0 ? 100 : (int) Math.min(100, done * 100 / p.recipients());
        boolean active = p.status().equals("sending")
                || p.status().equals("paused")
                || p.status().equals("scheduled");
        String eta = null;
        if (p.status().equals("sending") && p.sentPerSecond() > 0 && done < p.recipients()) {
            long seconds = (long) Math.ceil((p.recipients() - done) / p.sentPerSecond());
            eta = seconds < 60
                    ? seconds + " s"
                    : seconds < 3600
                            ? (seconds / 60) + " min " + (seconds % 60) + " s"
                            : (seconds / 3600) + " h " + (seconds % 3600 / 60) + " min";
        }
        return new Live(p, percent, done, eta, active);
    }

    static String issueHref(NewsletterView n, Issue issue) {
        return "/app/newsletters/" + n.id() + "/issues/" + issue.id();
    }
}
