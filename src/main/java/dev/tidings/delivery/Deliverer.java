package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import dev.tidings.issue.CompiledIssue;
import dev.tidings.issue.IssueRenderer;
import dev.tidings.issue.Recipient;
import dev.tidings.issue.RenderedMail;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.subscriber.PublicLinks;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Turns one claimed send into an {@link Outcome}, in named steps: skip a subscriber who left →
 * wait for the rate limits (or defer to the domain's turn) → give the send back if this instance
 * may be taken for dead → render for the subscriber → compose the MIME bytes → hand them to the
 * transport (a relay, with failover) → on failure, ask the {@link FailurePolicy} and slow the
 * domain when it says so. No Kafka, no acknowledgements, no database writes: those are the
 * consumer's.
 */
@ApplicationScoped
public class Deliverer {

    private static final Logger LOG = Logger.getLogger(Deliverer.class);

    /**
     * What every send of one job needs: the issue's compiled templates and its newsletter, or why
     * they could not be had (then each send gets the {@link FailurePolicy}'s outcome for it).
     */
    public record IssueContext(
            CompiledIssue issue,
            NewsletterDirectory.Ref newsletter,
            SenderIdentities.Identity sender,
            Throwable failure) {}

    private final IssueRenderer renderer;
    private final NewsletterDirectory newsletters;
    private final PublicLinks links;
    private final MailComposer composer;
    private final TrackingLinks tracking;
    private final MailTransport transport;
    private final RateLimits limits;
    private final DeliveryMetrics metrics;
    private final FailurePolicy policy;
    private final Instances instances;
    private final SenderIdentities senders;
    /** Where signed mail is rendered, composed and signed (see {@code tidings.delivery.compose-threads}). */
    private final ExecutorService composing;

    public Deliverer(
            IssueRenderer renderer,
            NewsletterDirectory newsletters,
            PublicLinks links,
            MailComposer composer,
            TrackingLinks tracking,
            MailTransport transport,
            RateLimits limits,
            DeliveryMetrics metrics,
            Instances instances,
            SenderIdentities senders,
            TidingsConfig config) {
        this.senders = senders;
        this.renderer = renderer;
        this.newsletters = newsletters;
        this.links = links;
        this.composer = composer;
        this.tracking = tracking;
        this.transport = transport;
        this.limits = limits;
        this.metrics = metrics;
        this.instances = instances;
        TidingsConfig.Delivery delivery = config.delivery();
        int threads = delivery.composeThreads() > 0
                ? delivery.composeThreads()
                : Runtime.getRuntime().availableProcessors();
        AtomicInteger named = new AtomicInteger();
        this.composing = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "tidings-compose-" + named.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.policy = new FailurePolicy(
                delivery.retrySchedule(), delivery.throttleBackoff(), delivery.maxAge(), delivery.freeDeferrals());
    }

    @PreDestroy
    void stop() {
        composing.shutdown();
    }

    /**
     * The compiled issue (from the renderer's one cache of compiled issues, checked against the
     * stored version) and its newsletter: two indexed reads per job, not per mail. Never fails: a
     * job's claimed sends must each get an outcome, or the record would never be acknowledged.
     */
    public Uni<IssueContext> context(UUID issueId) {
        return renderer.compile(issueId)
                .flatMap(issue -> issue == null
                        ? Uni.createFrom()
                                .<IssueContext>failure(new IllegalStateException("issue " + issueId + " is gone"))
                        : newsletters.byId(issue.newsletterId()).flatMap(n -> senders.of(n)
                                .map(sender -> new IssueContext(issue, n, sender, null))))
                .onFailure()
                .recoverWithItem(failure -> {
                    LOG.errorf(
                            failure, "issue %s cannot be prepared for sending; its claimed sends are retried", issueId);
                    return new IssueContext(null, null, null, failure);
                });
    }

    public Uni<Outcome> deliver(Claimed send, IssueContext context) {
        if (!"active".equals(send.subscriberStatus()) || send.email() == null) {
            return Uni.createFrom().item(Outcome.skipped(send, "the subscriber is " + send.subscriberStatus()));
        }
        if (context.failure() != null) {
            return Uni.createFrom()
                    .item(policy.decide(send, context.failure(), Instant.now()).outcome());
        }
        String domain = send.domain();
        MailTransport.Attempt attempt = new MailTransport.Attempt();
        return limits.acquire(domain)
                .flatMap(ready -> {
                    if (!instances.holdsClaims()) {
                        // This instance could not beat for a while: the others may be taking its
                        // claims over. Hand the send back untried rather than risk sending it twice.
                        return Uni.createFrom()
                                .item(Outcome.retry(
                                        send,
                                        "handed back untried: this instance missed its heartbeats",
                                        Instant.now(),
                                        false));
                    }
                    Uni<MailComposer.OutgoingMail> composed = context.sender().signer() == null
                            ? Uni.createFrom().item(() -> mail(send, context))
                            // Signing is computing: off the event loop, which serves SMTP connections.
                            : Uni.createFrom().item(() -> mail(send, context)).runSubscriptionOn(composing);
                    return composed.flatMap(mail -> {
                        long started = System.nanoTime();
                        metrics.inFlight().incrementAndGet();
                        return transport
                                .send(context.newsletter().relay(), mail, attempt)
                                .eventually(() -> {
                                    metrics.inFlight().decrementAndGet();
                                    metrics.latency(Duration.ofNanos(System.nanoTime() - started));
                                })
                                .map(sent -> Outcome.sent(send).via(attempt.relay()));
                    });
                })
                .onFailure()
                .recoverWithItem(failure -> {
                    if (failure instanceof RateLimits.Later later) {
                        // The domain's turn or a relay's window is too far off: wait off the pipeline.
                        return Outcome.retry(send, later.getMessage(), later.at(), false)
                                .via(attempt.relay());
                    }
                    FailurePolicy.Decision decision = policy.decide(send, failure, Instant.now());
                    if (decision.unexpected()) {
                        LOG.errorf(failure, "send %s failed unexpectedly", send.sendId());
                    }
                    if (decision.slowDomain()) {
                        limits.throttle(domain, decision.outcome().error(), send.issueId());
                    }
                    return decision.outcome().via(attempt.relay());
                });
    }

    /** Renders the issue for the subscriber (tracked links if the newsletter tracks) and composes the mail. */
    private MailComposer.OutgoingMail mail(Claimed send, IssueContext context) {
        String unsubscribeUrl = links.unsubscribeUrl(context.newsletter(), send.subscriberId());
        RenderedMail rendered = renderer.render(
                context.issue(),
                new Recipient(
                        send.subscriberId(),
                        send.email(),
                        send.name(),
                        send.attributes().getMap()),
                unsubscribeUrl);
        NewsletterDirectory.Ref newsletter = context.newsletter();
        if (newsletter.trackOpens() || newsletter.trackClicks()) {
            rendered = new RenderedMail(
                    rendered.subject(),
                    tracking.rewrite(
                            rendered.html(),
                            context.issue().links(),
                            context.issue().id(),
                            send.sendId(),
                            newsletter.trackClicks(),
                            newsletter.trackOpens()),
                    rendered.text());
        }
        return composer.compose(
                context.newsletter(),
                context.sender(),
                rendered,
                send.email(),
                context.issue().id(),
                send.sendId(),
                unsubscribeUrl);
    }
}
