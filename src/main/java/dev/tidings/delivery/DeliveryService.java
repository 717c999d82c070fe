package dev.tidings.delivery;

import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.newsletter.NewsletterDirectory;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * Publishing and steering the delivery of an issue, for the API: ownership checks, then the
 * issue's move through {@link IssueLifecycle} and what follows it (the dispatcher is kicked, a
 * cancel skips what is left). Publishing is one short transaction; the send records are created
 * by the {@link Dispatcher} right after, so the answer comes at once for any list size.
 */
@ApplicationScoped
public class DeliveryService {

    private final NewsletterDirectory newsletters;
    private final IssueLifecycle lifecycle;
    private final DeliveryStore sends;
    private final Dispatcher dispatcher;
    private final MailComposer composer;

    public DeliveryService(
            NewsletterDirectory newsletters,
            IssueLifecycle lifecycle,
            DeliveryStore sends,
            Dispatcher dispatcher,
            MailComposer composer) {
        this.newsletters = newsletters;
        this.lifecycle = lifecycle;
        this.sends = sends;
        this.dispatcher = dispatcher;
        this.composer = composer;
    }

    /**
     * Publishes now, or schedules for {@code scheduledAt} if that is in the future. With an
     * idempotency key, a repeat answers what the first call answered and changes nothing.
     */
    public Uni<DeliveryViews.Published> publish(
            UUID accountId, UUID newsletterId, UUID issueId, Instant scheduledAt, String idempotencyKey) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1 to 200 characters");
        }
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> lifecycle.publish(newsletterId, issueId, scheduledAt, idempotencyKey))
                .invoke(published -> {
                    if (published.status() == dev.tidings.issue.IssueStatus.SENDING) {
                        dispatcher.kick();
                    }
                })
                .map(published -> new DeliveryViews.Published(published.status().wire(), published.recipients()));
    }

    /** Stops claiming new sends; in-flight ones finish. Pausing a paused issue is a no-op. */
    public Uni<Void> pause(UUID accountId, UUID newsletterId, UUID issueId) {
        return newsletters.owned(accountId, newsletterId).flatMap(n -> lifecycle.pause(newsletterId, issueId));
    }

    /** Goes on where it stopped: queued sends are put on Kafka again. */
    public Uni<Void> resume(UUID accountId, UUID newsletterId, UUID issueId) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> lifecycle.resume(newsletterId, issueId))
                .invoke(dispatcher::kick);
    }

    /** Stops the issue for good: what has not gone out yet is skipped. */
    public Uni<Void> cancel(UUID accountId, UUID newsletterId, UUID issueId) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> lifecycle.cancel(newsletterId, issueId))
                .flatMap(x -> sends.skipRemaining(issueId));
    }

    public Uni<DeliveryViews.Progress> progress(UUID accountId, UUID newsletterId, UUID issueId) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> lifecycle.progress(newsletterId, issueId))
                .flatMap(issue -> sends.counts(issueId).map(by -> {
                    long sent = by.get(SendStatus.SENT);
                    // The average since the start (up to the end, once finished).
                    Instant until = issue.finishedAt() != null ? issue.finishedAt() : issue.now();
                    double rate = issue.startedAt() == null
                            ? 0
                            : sent
                                    / Math.max(
                                            0.001,
                                            Duration.between(issue.startedAt(), until)
                                                            .toMillis()
                                                    / 1000.0);
                    return progress(issue, by, rate);
                }));
    }

    private static DeliveryViews.Progress progress(
            IssueLifecycle.Progress issue, Map<SendStatus, Long> by, double rate) {
        return new DeliveryViews.Progress(
                issue.status().wire(),
                issue.recipients(),
                by.get(SendStatus.QUEUED),
                by.get(SendStatus.SENDING),
                by.get(SendStatus.SENT),
                by.get(SendStatus.RETRYING),
                by.get(SendStatus.FAILED),
                by.get(SendStatus.BOUNCED),
                by.get(SendStatus.SKIPPED),
                issue.startedAt(),
                issue.finishedAt(),
                Math.round(rate * 10) / 10.0);
    }

    /**
     * How far each of these issues got: sends done (sent, failed, bounced, skipped) of its
     * recipients, in one query for the whole list. The issues come from the caller's own listing.
     */
    public Uni<Map<UUID, DeliveryViews.Share>> shares(java.util.List<dev.tidings.issue.Issue> issues) {
        java.util.List<UUID> ids = issues.stream()
                .filter(i -> i.recipients() != null)
                .map(dev.tidings.issue.Issue::id)
                .toList();
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return sends.counts(ids).map(byIssue -> {
            Map<UUID, DeliveryViews.Share> shares = new java.util.HashMap<>();
            issues.stream().filter(i -> i.recipients() != null).forEach(i -> {
                Map<SendStatus, Long> by = byIssue.get(i.id());
                long done = by.get(SendStatus.SENT)
                        + by.get(SendStatus.FAILED)
                        + by.get(SendStatus.BOUNCED)
                        + by.get(SendStatus.SKIPPED);
                shares.put(i.id(), new DeliveryViews.Share(i.recipients(), by.get(SendStatus.SENT), done));
            });
            return shares;
        });
    }

    public Uni<Page<DeliveryViews.SendView>> sends(
            UUID accountId, UUID newsletterId, UUID issueId, String status, PageRequest page) {
        SendStatus filter = status == null || status.isBlank() ? null : SendStatus.parse(status, "status");
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> lifecycle.status(newsletterId, issueId))
                .flatMap(x -> sends.page(newsletterId, issueId, filter, page))
                .map(rows -> Page.of(
                        rows,
                        page.limit(),
                        r -> new Cursor(r.createdAt().toInstant(), r.id()),
                        r -> new DeliveryViews.SendView(
                                r.subscriberId(),
                                r.email(),
                                r.status().wire(),
                                r.attempts(),
                                r.lastError(),
                                instant(r.sentAt()),
                                composer.messageId(r.id()))));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
