package dev.tidings.subscriber;

import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.ProblemException;
import dev.tidings.newsletter.NewsletterDirectory;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Saved segments: named audience rules ({@link AudienceRule}) that issues can be sent to. A
 * segment that a draft or scheduled issue uses cannot be deleted (409); a sent issue keeps the
 * rule it was sent with.
 */
@ApplicationScoped
public class SegmentService {

    /** Segments one newsletter may have. */
    public static final int MAX_PER_NEWSLETTER = 200;

    private static final int MAX_NAME = 200;

    private final NewsletterDirectory newsletters;
    private final SegmentRepository segments;
    private final SubscriberRepository subscribers;

    public SegmentService(
            NewsletterDirectory newsletters, SegmentRepository segments, SubscriberRepository subscribers) {
        this.newsletters = newsletters;
        this.segments = segments;
        this.subscribers = subscribers;
    }

    public Uni<Segment> create(UUID accountId, UUID newsletterId, PatchBody body) {
        String[] name = {null};
        AudienceRule[] rule = {null};
        read(body, name, rule);
        if (name[0] == null) {
            body.addError("name", "is required");
        }
        if (!body.has("rule")) {
            body.addError("rule", "is required: {\"all\": [...]} or {\"any\": [...]}");
        }
        body.validate();
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> segments.insert(newsletterId, name[0], rule[0], MAX_PER_NEWSLETTER))
                .map(created -> {
                    if (created == null) {
                        throw ProblemException.conflict(
                                "too-many-segments",
                                "A newsletter has at most " + MAX_PER_NEWSLETTER
                                        + " segments; delete one you no longer use");
                    }
                    return created;
                });
    }

    public Uni<Page<Segment>> list(UUID accountId, UUID newsletterId, PageRequest page) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> segments.page(newsletterId, page.withOneMore()))
                .map(rows -> Page.of(rows, page.limit(), s -> new Cursor(s.createdAt(), s.id()), s -> s));
    }

    public Uni<Segment> get(UUID accountId, UUID newsletterId, UUID id) {
        return newsletters.owned(accountId, newsletterId).flatMap(n -> found(segments.find(newsletterId, id)));
    }

    /** A merge patch of name and rule. */
    public Uni<Segment> patch(UUID accountId, UUID newsletterId, UUID id, PatchBody body) {
        String[] name = {null};
        AudienceRule[] rule = {null};
        read(body, name, rule);
        body.validate();
        return get(accountId, newsletterId, id)
                .flatMap(current -> found(segments.update(
                        newsletterId,
                        id,
                        name[0] != null ? name[0] : current.name(),
                        rule[0] != null ? rule[0] : AudienceRule.parse(current.rule(), "rule"))));
    }

    public Uni<Void> delete(UUID accountId, UUID newsletterId, UUID id) {
        return get(accountId, newsletterId, id)
                .flatMap(segment -> segments.delete(newsletterId, id))
                .flatMap(deleted -> deleted
                        ? Uni.createFrom().voidItem()
                        : segments.usedBy(id).map(subjects -> {
                            throw ProblemException.conflict(
                                    "segment-in-use",
                                    "This segment is the audience of "
                                            + (subjects.size() == 1 ? "an issue" : "issues")
                                            + " not yet sent ("
                                            + String.join(
                                                    ", ",
                                                    subjects.stream()
                                                            .map(s -> "\u201c" + s + "\u201d")
                                                            .toList())
                                            + "); choose another audience for "
                                            + (subjects.size() == 1 ? "it" : "them") + " first");
                        }));
    }

    /** How many subscribers a rule matches: {@code {active, total}} (total: every status but erased). */
    public Uni<SubscriberRepository.AudienceCount> count(UUID accountId, UUID newsletterId, PatchBody body) {
        AudienceRule[] rule = {null};
        body.json("rule", v -> null, v -> rule[0] = AudienceRule.parse(v, "rule"));
        if (!body.has("rule")) {
            body.addError("rule", "is required: {\"all\": [...]} or {\"any\": [...]}");
        }
        body.validate();
        return newsletters.owned(accountId, newsletterId).flatMap(n -> subscribers.count(newsletterId, rule[0]));
    }

    /** How many subscribers a parsed rule matches (the web admin's live count). */
    public Uni<SubscriberRepository.AudienceCount> count(UUID accountId, UUID newsletterId, AudienceRule rule) {
        return newsletters.owned(accountId, newsletterId).flatMap(n -> subscribers.count(newsletterId, rule));
    }

    private static void read(PatchBody body, String[] name, AudienceRule[] rule) {
        body.text("name", MAX_NAME, false, v -> name[0] = v);
        body.json("rule", v -> null, v -> rule[0] = AudienceRule.parse(v, "rule"));
    }

    private static Uni<Segment> found(Uni<Segment> segment) {
        return segment.map(s -> {
            if (s == null) {
                throw ProblemException.notFound("This segment");
            }
            return s;
        });
    }
}
