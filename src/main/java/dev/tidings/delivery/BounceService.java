package dev.tidings.delivery;

import dev.tidings.common.EmailAddress;
import dev.tidings.common.EngagementEvent;
import dev.tidings.common.EventLog;
import dev.tidings.subscriber.SubscriberRepository;
import dev.tidings.subscriber.SubscriberStatus;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Bounces and complaints reported after a mail went out. A hard bounce or complaint suppresses the
 * address (in the newsletter given, or everywhere) and marks the send it names; a soft bounce is
 * only noted on the send, as the retry schedule handles those. Repeating a report changes nothing.
 */
@ApplicationScoped
public class BounceService {

    /** What was reported. */
    public enum Kind {
        HARD,
        SOFT,
        COMPLAINT
    }

    private final DeliveryStore sends;
    private final SubscriberRepository subscribers;
    private final EventLog events;

    public BounceService(DeliveryStore sends, SubscriberRepository subscribers, EventLog events) {
        this.sends = sends;
        this.subscribers = subscribers;
        this.events = events;
    }

    public Uni<Void> report(EmailAddress email, Kind kind, UUID newsletterId, UUID sendId, String diagnostic) {
        return report(email, kind, newsletterId, sendId, "reported", diagnostic);
    }

    /**
     * A report about one send (from the bounce mailbox or a provider, which name the send):
     * applied to the send's subscriber in the send's newsletter. False when there is no such send
     * (or its subscriber was erased): nothing is done.
     */
    public Uni<Boolean> reportSend(UUID sendId, Kind kind, String source, String diagnostic) {
        return sends.recipient(sendId)
                .flatMap(recipient -> recipient == null
                        ? Uni.createFrom().item(false)
                        : report(
                                        new EmailAddress(recipient.email()),
                                        kind,
                                        recipient.newsletterId(),
                                        sendId,
                                        source,
                                        diagnostic)
                                .replaceWith(true));
    }

    /** A provider confirmed delivery of the send's mail; false when there is no such send or it was known. */
    public Uni<Boolean> reportDelivered(UUID sendId) {
        return sends.delivered(sendId);
    }

    private Uni<Void> report(
            EmailAddress email, Kind kind, UUID newsletterId, UUID sendId, String source, String diagnostic) {
        String what = kind == Kind.COMPLAINT ? "complaint" : kind.name().toLowerCase(java.util.Locale.ROOT) + " bounce";
        String note = what + " " + source + (diagnostic == null ? "" : ": " + diagnostic);
        Uni<Void> send = sendId == null
                ? Uni.createFrom().voidItem()
                : sends.report(sendId, note, kind == Kind.SOFT ? null : SendStatus.BOUNCED);
        Uni<Void> subscriber =
                switch (kind) {
                    case HARD -> subscribers
                            .suppressReported(email.value(), newsletterId, SubscriberStatus.BOUNCED)
                            .replaceWithVoid();
                    case COMPLAINT -> subscribers
                            .suppressReported(email.value(), newsletterId, SubscriberStatus.COMPLAINED)
                            .invoke(ids -> ids.forEach(id ->
                                    events.appendLater(EngagementEvent.ofSubscriber("complaint", id, null, sendId))))
                            .replaceWithVoid();
                    case SOFT -> Uni.createFrom().voidItem();
                };
        return send.flatMap(x -> subscriber);
    }
}
