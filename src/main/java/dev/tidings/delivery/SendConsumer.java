package dev.tidings.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.delivery.smtp.SmtpReplyException;
import dev.tidings.issue.CompiledIssue;
import dev.tidings.issue.IssueRenderer;
import dev.tidings.issue.Recipient;
import dev.tidings.issue.RenderRefused;
import dev.tidings.issue.RenderedMail;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.subscriber.PublicLinks;
import dev.tidings.web.TidingsConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes send jobs and delivers the mail. Per record: claim its still-queued sends in one
 * statement, render each for its subscriber, send over pooled SMTP, and record the outcomes
 * (batched); the record is acknowledged — and its offset committed — only once every outcome is
 * stored. Up to {@code in-flight} mails are under way at once, pulled through a bounded reactive
 * pipeline (no thread per mail), under the rate limits.
 *
 * <p>Outcomes: accepted → sent; 5xx → bounced (subscriber suppressed); 4xx, timeouts and
 * connection faults → retrying after the next delay of {@code retry-schedule}, failed after the
 * last; 421/451/454 slow the domain down without counting as an attempt. A subscriber who is no
 * longer active when their turn comes is skipped.
 */
@ApplicationScoped
public class SendConsumer {

    private static final Logger LOG = Logger.getLogger(SendConsumer.class);
    private static final int CLAIMS_IN_FLIGHT = 4;

    /** One record's claimed sends; the record is acknowledged when the last one is recorded. */
    private static final class Batch {
        final Message<String> message;
        final IssueContext context;
        final List<Claimed> sends;
        final AtomicInteger remaining;

        Batch(Message<String> message, IssueContext context, List<Claimed> sends) {
            this.message = message;
            this.context = context;
            this.sends = sends;
            this.remaining = new AtomicInteger(sends.size());
        }
    }

    private record Task(Batch batch, Claimed send) {}

    private record IssueContext(CompiledIssue issue, NewsletterDirectory.Ref newsletter, Instant loadedAt) {}

    private final Multi<Message<String>> jobs;
    private final ObjectMapper json;
    private final SendStore store;
    private final OutcomeWriter outcomes;
    private final IssueRenderer renderer;
    private final NewsletterDirectory newsletters;
    private final PublicLinks links;
    private final MailComposer composer;
    private final MailTransport transport;
    private final RateLimits limits;
    private final DeliveryMetrics metrics;
    private final TidingsConfig.Delivery config;
    private final Map<UUID, IssueContext> contexts = new ConcurrentHashMap<>();
    private final AtomicInteger claimedOpen = new AtomicInteger();
    private volatile boolean draining;
    private Cancellable subscription;

    public SendConsumer(
            @Channel("send-jobs") Multi<Message<String>> jobs,
            ObjectMapper json,
            SendStore store,
            OutcomeWriter outcomes,
            IssueRenderer renderer,
            NewsletterDirectory newsletters,
            PublicLinks links,
            MailComposer composer,
            MailTransport transport,
            RateLimits limits,
            DeliveryMetrics metrics,
            TidingsConfig config) {
        this.jobs = jobs;
        this.json = json;
        this.store = store;
        this.outcomes = outcomes;
        this.renderer = renderer;
        this.newsletters = newsletters;
        this.links = links;
        this.composer = composer;
        this.transport = transport;
        this.limits = limits;
        this.metrics = metrics;
        this.config = config.delivery();
    }

    void start(@Observes StartupEvent event) {
        subscription = jobs.onItem()
                .transformToUni(this::claim)
                .merge(CLAIMS_IN_FLIGHT)
                .onItem()
                .transformToMultiAndConcatenate(
                        batch -> Multi.createFrom().iterable(batch.sends).map(send -> new Task(batch, send)))
                .onItem()
                .transformToUni(this::deliver)
                .merge(config.inFlight())
                .subscribe()
                .with(ignored -> {}, failure -> LOG.errorf(failure, "the send-job pipeline stopped"));
    }

    private Uni<Batch> claim(Message<String> message) {
        SendJob job;
        try {
            job = json.readValue(message.getPayload(), SendJob.class);
            if (job.issueId() == null || job.sendIds() == null || job.sendIds().isEmpty()) {
                throw new IllegalArgumentException("a send job needs issueId and sendIds");
            }
        } catch (Exception e) {
            LOG.warnf("unreadable send job sent to the dead-letter topic: %s", e.getMessage());
            return Uni.createFrom().completionStage(message.nack(e)).replaceWith(empty(message));
        }
        if (draining) {
            // Not acknowledged: the record is delivered again to whoever owns the partition next.
            return Uni.createFrom().item(empty(message));
        }
        return roomToClaim()
                .flatMap(room -> store.claim(job.issueId(), job.sendIds(), config.lease()))
                .onFailure()
                .retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .atMost(20)
                .flatMap(claimed -> {
                    if (claimed.isEmpty()) {
                        // Already done, taken by another instance, paused or cancelled: nothing to do.
                        return Uni.createFrom().completionStage(message.ack()).replaceWith(empty(message));
                    }
                    claimedOpen.addAndGet(claimed.size());
                    return context(job.issueId()).map(context -> new Batch(message, context, claimed));
                })
                .onFailure()
                .recoverWithItem(failure -> {
                    LOG.errorf("could not claim sends of issue %s: %s", job.issueId(), failure.getMessage());
                    return empty(message);
                });
    }

    /**
     * Claims stay just ahead of sending: a claim waits while more than four times {@code
     * in-flight} plus two jobs' worth of sends are claimed and not yet recorded. Without this bound, claims would run far
     * ahead of a rate-limited sender and leases could expire on sends still waiting their turn.
     */
    private Uni<Void> roomToClaim() {
        int limit = 4 * config.inFlight() + 2 * config.jobSize();
        return Uni.createFrom()
                .voidItem()
                .onItem()
                .transformToUni(x -> claimedOpen.get() < limit
                        ? Uni.createFrom().voidItem()
                        : Uni.createFrom().<Void>failure(new NoRoomYet()))
                .onFailure(NoRoomYet.class)
                .retry()
                .withBackOff(Duration.ofMillis(5), Duration.ofMillis(50))
                .indefinitely();
    }

    private static final class NoRoomYet extends RuntimeException {
        NoRoomYet() {
            super(null, null, false, false);
        }
    }

    private static Batch empty(Message<String> message) {
        return new Batch(message, null, List.of());
    }

    /** The compiled issue and its newsletter, looked up once a minute per issue rather than per mail. */
    private Uni<IssueContext> context(UUID issueId) {
        IssueContext cached = contexts.get(issueId);
        if (cached != null && cached.loadedAt().isAfter(Instant.now().minusSeconds(60))) {
            return Uni.createFrom().item(cached);
        }
        return renderer.compile(issueId)
                .flatMap(issue -> newsletters
                        .byId(issue.newsletterId())
                        .map(newsletter -> new IssueContext(issue, newsletter, Instant.now())))
                .invoke(context -> contexts.put(issueId, context));
    }

    private Uni<Void> deliver(Task task) {
        Claimed send = task.send();
        if (!"active".equals(send.subscriberStatus()) || send.email() == null) {
            finish(task, Outcome.skipped(send, "the subscriber is " + send.subscriberStatus()));
            return Uni.createFrom().voidItem();
        }
        String domain = send.email().substring(send.email().lastIndexOf('@') + 1);
        return limits.acquire(domain)
                .flatMap(ready -> {
                    if (leaseNearlyOver(send)) {
                        // Another instance may take it over any moment: hand it back untried.
                        return Uni.createFrom()
                                .item(Outcome.retry(
                                        send, "its lease ran out before its turn; handed back", Instant.now(), false));
                    }
                    IssueContext context = task.batch().context;
                    String unsubscribeUrl = links.unsubscribeUrl(context.newsletter(), send.subscriberId());
                    RenderedMail rendered = renderer.render(
                            context.issue(),
                            new Recipient(
                                    send.subscriberId(),
                                    send.email(),
                                    send.name(),
                                    send.attributes().getMap()),
                            unsubscribeUrl);
                    long started = System.nanoTime();
                    metrics.inFlight().incrementAndGet();
                    return transport
                            .send(composer.compose(
                                    context.newsletter(), rendered, send.email(), send.sendId(), unsubscribeUrl))
                            .eventually(() -> {
                                metrics.inFlight().decrementAndGet();
                                metrics.latency(Duration.ofNanos(System.nanoTime() - started));
                            })
                            .map(sent -> Outcome.sent(send));
                })
                .onFailure()
                .recoverWithItem(failure -> classify(send, domain, failure))
                .invoke(outcome -> finish(task, outcome))
                .replaceWithVoid();
    }

    private boolean leaseNearlyOver(Claimed send) {
        long marginSeconds = Math.max(1, Math.min(30, config.lease().toSeconds() / 10));
        return java.time.OffsetDateTime.now().isAfter(send.lease().minusSeconds(marginSeconds));
    }

    private Outcome classify(Claimed send, String domain, Throwable failure) {
        if (failure instanceof RenderRefused refused) {
            // The writer's template over its budget for this subscriber: the same every time, not retried.
            return Outcome.failed(send, "not sent: " + refused.getMessage());
        }
        if (failure instanceof SmtpReplyException smtp) {
            int code = smtp.code();
            String reply = smtp.reply();
            if (code == 421 || code == 451 || code == 454) {
                limits.throttle(domain);
                return Outcome.retry(send, reply, Instant.now().plus(limits.backoff()), false);
            }
            if (smtp.isPermanent()) {
                return Outcome.bounced(send, reply);
            }
            return retryOrFail(send, reply);
        }
        String message = failure.getMessage() == null ? "no detail" : failure.getMessage();
        return retryOrFail(send, "could not deliver to the SMTP server: " + message);
    }

    private Outcome retryOrFail(Claimed send, String reason) {
        List<Duration> schedule = config.retrySchedule();
        int attempt = send.attempts(); // attempts before this one
        if (attempt >= schedule.size()) {
            return Outcome.failed(send, reason);
        }
        return Outcome.retry(send, reason, Instant.now().plus(schedule.get(attempt)), true);
    }

    /**
     * Records the outcome (batched) and acknowledges the record once its last outcome is stored.
     * This runs beside the pipeline: the in-flight slot is free as soon as the SMTP server has
     * answered, and the claim bound keeps unrecorded outcomes in check.
     */
    private void finish(Task task, Outcome outcome) {
        metrics.outcome(outcome.status());
        outcomes.record(outcome).subscribe().with(stored -> settle(task), failure -> {
            LOG.errorf(
                    "outcome of send %s not stored (%s); its lease will expire and it is retried",
                    outcome.sendId(), failure.getMessage());
            settle(task);
        });
    }

    private void settle(Task task) {
        claimedOpen.decrementAndGet();
        if (task.batch().remaining.decrementAndGet() == 0) {
            task.batch().message.ack();
        }
    }

    /**
     * SIGTERM: stop claiming (new records stay unacknowledged and go to whoever owns the partition
     * next), let claimed sends finish within the grace period, then stop.
     */
    void drain(@Observes @Priority(1) ShutdownEvent event) {
        draining = true;
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (claimedOpen.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (claimedOpen.get() > 0) {
            LOG.warnf(
                    "%d claimed sends still open at shutdown; their leases hand them to another instance",
                    claimedOpen.get());
        }
        if (subscription != null) {
            subscription.cancel();
        }
    }
}
