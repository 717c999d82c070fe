package dev.tidings.delivery;

import java.time.Instant;
import java.util.UUID;

/**
 * What became of one delivery attempt. {@code countsAsAttempt} is false for sends that were not
 * tried (skipped) or that a provider asked us to slow down for (the attempt is not burnt).
 */
public record Outcome(
        UUID sendId,
        java.time.OffsetDateTime lease,
        UUID subscriberId,
        String status,
        boolean countsAsAttempt,
        String error,
        Instant nextAttemptAt) {

    static Outcome sent(Claimed c) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), "sent", true, null, null);
    }

    static Outcome skipped(Claimed c, String why) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), "skipped", false, why, null);
    }

    static Outcome bounced(Claimed c, String reply) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), "bounced", true, reply, null);
    }

    static Outcome failed(Claimed c, String reply) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), "failed", true, reply, null);
    }

    static Outcome retry(Claimed c, String reply, Instant at, boolean countsAsAttempt) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), "retrying", countsAsAttempt, reply, at);
    }
}
