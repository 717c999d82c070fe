package dev.tidings.newsletter;

import java.time.Instant;
import java.util.UUID;

/** A newsletter as the API shows it. */
public record NewsletterView(
        UUID id,
        String slug,
        String name,
        String fromName,
        String fromEmail,
        String replyTo,
        boolean doubleOptIn,
        boolean trackOpens,
        boolean trackClicks,
        String relay,
        Instant createdAt,
        SubscriberCounts.Counts subscriberCounts) {

    static NewsletterView of(Newsletter n, SubscriberCounts.Counts counts) {
        return new NewsletterView(
                n.id,
                n.slug,
                n.name,
                n.fromName,
                n.fromEmail,
                n.replyTo,
                n.doubleOptIn,
                n.trackOpens,
                n.trackClicks,
                n.relay,
                n.createdAt,
                counts);
    }
}
