package dev.tidings.delivery;

import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.sender.SenderDomainService;
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
    private final Relays relays;
    private final RelayWindows windows;
    private final Instances instances;
    private final SenderDomainService domains;

    public DeliveryService(
            NewsletterDirectory newsletters,
            IssueLifecycle lifecycle,
            DeliveryStore sends,
            Dispatcher dispatcher,
            MailComposer composer,
            Relays relays,
            RelayWindows windows,
            Instances instances,
            SenderDomainService domains) {
        this.domains = domains;
        this.relays = relays;
        this.windows = windows;
        this.instances = instances;
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
                .call(n -> domains.checkSender(accountId, n.fromEmail()))
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
                .flatMap(issue -> sends.counts(issueId).flatMap(by -> (issue.finishedAt() == null
                                ? Uni.createFrom().<OffsetDateTime>nullItem()
                                : sends.rolledUpAt(issueId))
                        .map(rolledUp -> {
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
                            return progress(issue, by, rate, rolledUp == null ? null : rolledUp.toInstant());
                        })));
    }

    private static DeliveryViews.Progress progress(
            IssueLifecycle.Progress issue, Map<SendStatus, Long> by, double rate, Instant rolledUp) {
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
                Math.round(rate * 10) / 10.0,
                rolledUp);
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

    /**
     * The relays of the issue's newsletter (its pinned one, or the shared ones) with this issue's
     * counts through each, their health on the live instances and their windows; and the domains
     * that throttle this issue now, as the live instances' heartbeats report them.
     */
    public Uni<DeliveryViews.Details> details(UUID accountId, UUID newsletterId, UUID issueId) {
        Instant[] current = relays.currentWindows();
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> lifecycle.status(newsletterId, issueId).replaceWith(n))
                .flatMap(n -> relayCounts(issueId).flatMap(counts -> windows.used(current[0], current[1])
                        .flatMap(used -> instances.states().map(live -> {
                            java.util.List<DeliveryViews.RelayView> relayViews = new java.util.ArrayList<>();
                            java.util.Set<String> shown = new java.util.LinkedHashSet<>();
                            relays.candidates(n.relay()).forEach(r -> shown.add(r.name()));
                            shown.addAll(counts.keySet());
                            for (String name : shown) {
                                relayViews.add(relayView(name, n.relay(), counts, used, live));
                            }
                            java.util.List<DeliveryViews.ThrottledDomain> domains = new java.util.ArrayList<>();
                            String issue = issueId.toString();
                            for (Instances.Live instance : live) {
                                io.vertx.core.json.JsonArray throttled =
                                        instance.state().getJsonArray("throttled", new io.vertx.core.json.JsonArray());
                                for (int i = 0; i < throttled.size(); i++) {
                                    io.vertx.core.json.JsonObject d = throttled.getJsonObject(i);
                                    if (d.getJsonArray("issues", new io.vertx.core.json.JsonArray())
                                            .contains(issue)) {
                                        domains.add(new DeliveryViews.ThrottledDomain(
                                                d.getString("domain"),
                                                d.getDouble("rate", 0.0),
                                                d.getDouble("ceiling", 0.0),
                                                Instant.parse(d.getString("since")),
                                                d.getString("lastReply"),
                                                instance.host()));
                                    }
                                }
                            }
                            return new DeliveryViews.Details(relayViews, domains);
                        }))));
    }

    /**
     * The issue's sends by relay, a GROUP BY over its sends: kept 5 s per issue, so that a client
     * polling the details (or many at once) costs one such query per issue every 5 s.
     */
    private Uni<Map<String, Map<SendStatus, Long>>> relayCounts(UUID issueId) {
        Map<String, Map<SendStatus, Long>> cached = relayCounts.getIfPresent(issueId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return sends.relayCounts(issueId).invoke(counts -> relayCounts.put(issueId, counts));
    }

    private final com.github.benmanes.caffeine.cache.Cache<UUID, Map<String, Map<SendStatus, Long>>> relayCounts =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .expireAfterWrite(Duration.ofSeconds(5))
                    .maximumSize(10_000)
                    .build();

    private DeliveryViews.RelayView relayView(
            String name,
            String pinned,
            Map<String, Map<SendStatus, Long>> counts,
            Map<String, Map<String, Integer>> used,
            java.util.List<Instances.Live> live) {
        Map<SendStatus, Long> by = counts.getOrDefault(name, Map.of());
        boolean healthy = true;
        String lastFault = null;
        for (Instances.Live instance : live) {
            io.vertx.core.json.JsonArray states =
                    instance.state().getJsonArray("relays", new io.vertx.core.json.JsonArray());
            for (int i = 0; i < states.size(); i++) {
                io.vertx.core.json.JsonObject state = states.getJsonObject(i);
                if (name.equals(state.getString("name"))) {
                    healthy &= state.getBoolean("healthy", true);
                    if (state.getString("lastFault") != null) {
                        lastFault = state.getString("lastFault");
                    }
                }
            }
        }
        Relays.Relay relay = relays.byName(name);
        Map<String, Integer> windowUse = used.getOrDefault(name, Map.of());
        return new DeliveryViews.RelayView(
                name,
                name.equals(pinned),
                healthy,
                lastFault,
                by.getOrDefault(SendStatus.SENT, 0L),
                by.getOrDefault(SendStatus.RETRYING, 0L),
                by.getOrDefault(SendStatus.FAILED, 0L),
                by.getOrDefault(SendStatus.BOUNCED, 0L),
                relay == null || relay.hour == null
                        ? null
                        : new DeliveryViews.Window(windowUse.getOrDefault("hour", 0), relay.hour.limit),
                relay == null || relay.day == null
                        ? null
                        : new DeliveryViews.Window(windowUse.getOrDefault("day", 0), relay.day.limit));
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
                                composer.messageId(r.id()),
                                r.relay(),
                                r.deferrals(),
                                r.status() == SendStatus.RETRYING ? instant(r.nextAttemptAt()) : null,
                                history(r.history()))));
    }

    private static java.util.List<DeliveryViews.Attempt> history(io.vertx.core.json.JsonArray history) {
        if (history == null) {
            return java.util.List.of();
        }
        java.util.List<DeliveryViews.Attempt> attempts = new java.util.ArrayList<>(history.size());
        for (int i = 0; i < history.size(); i++) {
            io.vertx.core.json.JsonObject entry = history.getJsonObject(i);
            attempts.add(new DeliveryViews.Attempt(
                    OffsetDateTime.parse(entry.getString("at")).toInstant(),
                    entry.getString("relay"),
                    entry.getString("reply")));
        }
        return attempts;
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
