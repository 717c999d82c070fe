package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.common.Cursor;
import dev.tidings.common.EmailAddress;
import dev.tidings.common.MailQuotas;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.ProblemException;
import dev.tidings.newsletter.NewsletterDirectory;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The writer's view of subscribers. Status rules: suppressing (unsubscribed, bounced, complained)
 * is always allowed; bringing an unsubscribed or complained address back to active is not: that
 * takes the subscriber's own confirmation, through the public sign-up with double opt-in.
 */
@ApplicationScoped
public class SubscriberService {

    private final NewsletterDirectory newsletters;
    private final SubscriberRepository subscribers;
    private final SubscriberMails mails;
    private final Suppressions suppressions;
    private final MailQuotas quotas;

    public SubscriberService(
            NewsletterDirectory newsletters,
            SubscriberRepository subscribers,
            SubscriberMails mails,
            Suppressions suppressions,
            MailQuotas quotas) {
        this.newsletters = newsletters;
        this.subscribers = subscribers;
        this.mails = mails;
        this.suppressions = suppressions;
        this.quotas = quotas;
    }

    public Uni<Page<Subscriber.View>> list(
            UUID accountId, UUID newsletterId, String status, String q, PageRequest page) {
        SubscriberStatus filter = status == null || status.isBlank() ? null : SubscriberStatus.parse(status, "status");
        if (q != null && q.length() > 200) {
            throw ProblemException.invalid("q", "must be at most 200 characters");
        }
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> subscribers.page(newsletterId, filter, q, page.withOneMore()))
                .map(rows -> Page.of(rows, page.limit(), s -> new Cursor(s.createdAt(), s.id()), Subscriber::view));
    }

    /**
     * Adds a subscriber; status {@code pending} also mails the confirmation link (counted against
     * the account's hourly quota). An address that unsubscribed or complained and was erased is
     * refused (409): only the person can come back, by signing up.
     */
    public Uni<Subscriber.View> create(UUID accountId, UUID newsletterId, SubscriberRequests.Create body) {
        String problem = SubscriberRequests.attributesProblem(body.attributes());
        if (problem != null) {
            throw ProblemException.invalid("attributes", problem);
        }
        SubscriberStatus status =
                body.status() == null ? SubscriberStatus.ACTIVE : SubscriberStatus.parse(body.status(), "status");
        EmailAddress email = EmailAddress.parse(body.email(), "email");
        JsonObject attributes = toJson(body.attributes());
        return newsletters.owned(accountId, newsletterId).flatMap(n -> suppressions
                .contains(newsletterId, email.value())
                .flatMap(suppressed -> {
                    if (suppressed) {
                        throw ProblemException.conflict(
                                "suppressed",
                                email.value() + " unsubscribed from this newsletter (or complained) and was erased;"
                                        + " only they can subscribe again, from the sign-up page");
                    }
                    return status == SubscriberStatus.PENDING
                            ? quotas.confirmationMail(accountId)
                            : Uni.createFrom().voidItem();
                })
                .flatMap(x ->
                        subscribers.insert(newsletterId, email.value(), blankToNull(body.name()), status, attributes))
                .onFailure(SubscriberService::isUniqueViolation)
                .transform(e -> ProblemException.conflict(
                        "already-subscribed", email.value() + " is already on this newsletter's list"))
                .call(s -> status == SubscriberStatus.PENDING
                        ? mails.sendConfirmation(n, s)
                        : Uni.createFrom().voidItem())
                .map(Subscriber::view));
    }

    public Uni<Subscriber.View> get(UUID accountId, UUID newsletterId, UUID id) {
        return owned(accountId, newsletterId, id).map(Subscriber::view);
    }

    public Uni<Subscriber.View> patch(UUID accountId, UUID newsletterId, UUID id, PatchBody patch) {
        return owned(accountId, newsletterId, id).flatMap(current -> {
            String[] name = {current.name()};
            JsonObject[] attributes = {current.attributes()};
            SubscriberStatus[] status = {current.status()};
            patch.text("name", 200, true, v -> name[0] = v)
                    .json("attributes", SubscriberRequests::attributesProblem, v -> attributes[0] = toJson(v))
                    .json(
                            "status",
                            v -> v.isTextual() ? statusProblem(v.asText()) : "must be a string",
                            v -> status[0] = SubscriberStatus.parse(v.asText(), "status"));
            patch.validate();
            checkTransition(current.status(), status[0]);
            Subscriber changed = new Subscriber(
                    current.id(),
                    current.newsletterId(),
                    current.email(),
                    name[0],
                    status[0],
                    attributes[0],
                    current.tags(),
                    current.createdAt(),
                    current.confirmedAt(),
                    current.unsubscribedAt(),
                    current.confirmSentAt());
            return subscribers.update(changed).map(updated -> {
                if (updated == null) {
                    throw ProblemException.notFound("This subscriber");
                }
                return updated.view();
            });
        });
    }

    /** Subscribers one bulk tagging request may name. */
    public static final int MAX_BULK_IDS = 1000;

    /** Replaces the subscriber's tags: {@code {"tags": [...]}}, normalised by {@link Tags}. */
    public Uni<Subscriber.View> setTags(UUID accountId, UUID newsletterId, UUID id, PatchBody body) {
        JsonNode[] given = {null};
        body.json("tags", v -> null, v -> given[0] = v);
        if (given[0] == null) {
            body.addError("tags", "is required (an empty array removes every tag)");
        }
        body.validate();
        // After the body's shape: each tag's problem names its place, e.g. tags[2].
        java.util.List<String> tags = Tags.fromJson(given[0], "tags", Tags.MAX_PER_SUBSCRIBER);
        return owned(accountId, newsletterId, id)
                .flatMap(s -> subscribers.setTags(newsletterId, id, tags))
                .map(updated -> {
                    if (updated == null) {
                        throw ProblemException.notFound("This subscriber");
                    }
                    return updated.view();
                });
    }

    /**
     * Bulk tagging: {@code {add?, remove?, subscriberIds}} adds and removes tags on the named
     * subscribers of the newsletter (ids of others match nothing), or {@code {add?, remove?,
     * segment}} on every subscriber an audience rule matches. Answers how many matched.
     */
    public Uni<Integer> retag(UUID accountId, UUID newsletterId, PatchBody body) {
        JsonNode[] adds = {null};
        JsonNode[] removes = {null};
        java.util.List<UUID> ids = new java.util.ArrayList<>();
        AudienceRule[] rule = {null};
        body.json("add", v -> null, v -> adds[0] = v)
                .json("remove", v -> null, v -> removes[0] = v)
                .json(
                        "subscriberIds",
                        SubscriberService::idsProblem,
                        v -> v.forEach(i -> ids.add(UUID.fromString(i.asText().strip()))))
                .json("segment", v -> null, v -> rule[0] = AudienceRule.parse(v, "segment"));
        if (body.has("subscriberIds") == body.has("segment")) {
            body.addError("subscriberIds", "give exactly one of subscriberIds or segment: the subscribers to tag");
        }
        body.validate();
        java.util.List<String> add = Tags.fromJson(adds[0], "add", Tags.MAX_PER_REQUEST);
        java.util.List<String> remove = Tags.fromJson(removes[0], "remove", Tags.MAX_PER_REQUEST);
        if (add.isEmpty() && remove.isEmpty()) {
            throw ProblemException.invalid("add", "give tags to add or to remove");
        }
        java.util.List<String> both = add.stream().filter(remove::contains).toList();
        if (!both.isEmpty()) {
            throw ProblemException.invalid("remove", "'" + both.get(0) + "' is both added and removed");
        }
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> rule[0] != null
                        ? subscribers.retag(newsletterId, rule[0], add, remove)
                        : subscribers.retag(
                                newsletterId, java.util.List.copyOf(new java.util.LinkedHashSet<>(ids)), add, remove));
    }

    /** The newsletter's tags with their numbers of subscribers, by name. */
    public Uni<java.util.List<SubscriberRepository.TagCount>> tagCounts(UUID accountId, UUID newsletterId) {
        return newsletters.owned(accountId, newsletterId).flatMap(n -> subscribers.tagCounts(newsletterId));
    }

    private static String idsProblem(JsonNode ids) {
        if (!ids.isArray() || ids.isEmpty()) {
            return "must be a non-empty array of subscriber ids";
        }
        if (ids.size() > MAX_BULK_IDS) {
            return "at most " + MAX_BULK_IDS + " ids per request";
        }
        for (JsonNode id : ids) {
            if (!id.isTextual()) {
                return "must contain subscriber ids (strings)";
            }
            try {
                UUID.fromString(id.asText().strip());
            } catch (IllegalArgumentException e) {
                return "'" + id.asText() + "' is not a subscriber id";
            }
        }
        return null;
    }

    /**
     * Erases the subscriber's personal data; counts and delivery history stay whole. Someone who
     * had unsubscribed or complained stays on the newsletter's suppression list (as a keyed hash).
     */
    public Uni<Void> erase(UUID accountId, UUID newsletterId, UUID id) {
        return owned(accountId, newsletterId, id)
                .flatMap(s -> s.status() == SubscriberStatus.UNSUBSCRIBED || s.status() == SubscriberStatus.COMPLAINED
                        ? suppressions.remember(newsletterId, s.email(), s.status())
                        : Uni.createFrom().voidItem())
                .flatMap(x -> subscribers.erase(newsletterId, id))
                .map(erased -> {
                    if (!erased) {
                        throw ProblemException.notFound("This subscriber");
                    }
                    return null;
                });
    }

    private Uni<Subscriber> owned(UUID accountId, UUID newsletterId, UUID id) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> subscribers.find(newsletterId, id))
                .map(s -> {
                    if (s == null) {
                        throw ProblemException.notFound("This subscriber");
                    }
                    return s;
                });
    }

    static void checkTransition(SubscriberStatus from, SubscriberStatus to) {
        if (from == to || to.isSuppressed()) {
            return;
        }
        if (to == SubscriberStatus.PENDING) {
            throw ProblemException.conflict(
                    "status-transition", "A subscriber becomes pending only by signing up; it cannot be set");
        }
        // to == ACTIVE
        if (from == SubscriberStatus.UNSUBSCRIBED || from == SubscriberStatus.COMPLAINED) {
            throw ProblemException.conflict(
                    "needs-confirmation",
                    "A subscriber who is " + from.wire() + " can only come back by confirming a new sign-up"
                            + " (double opt-in); an admin cannot set them active");
        }
    }

    private static String statusProblem(String value) {
        try {
            SubscriberStatus.parse(value, "status");
            return null;
        } catch (ProblemException e) {
            return "must be one of " + SubscriberStatus.allowed();
        }
    }

    static JsonObject toJson(JsonNode node) {
        return node == null || node.isNull() ? new JsonObject() : new JsonObject(node.toString());
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    static boolean isUniqueViolation(Throwable failure) {
        return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
    }
}
