package dev.tidings.delivery;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * What became of one delivery attempt. {@code countsAsAttempt} is false for sends that were not
 * tried (skipped, handed back) or that a provider asked us to slow down for (the attempt is not
 * burnt). {@code lease} is the claim it answers (see {@link Claimed}).
 */
public record Outcome(
        UUID sendId,
        OffsetDateTime lease,
        UUID subscriberId,
        SendStatus status,
        boolean countsAsAttempt,
        String error,
        Instant nextAttemptAt) {

    static Outcome sent(Claimed c) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.SENT, true, null, null);
    }

    static Outcome skipped(Claimed c, String why) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.SKIPPED, false, why, null);
    }

    static Outcome bounced(Claimed c, String reply) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.BOUNCED, true, reply, null);
    }

    static Outcome failed(Claimed c, String reply) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.FAILED, true, reply, null);
    }

    static Outcome retry(Claimed c, String reply, Instant at, boolean countsAsAttempt) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.RETRYING, countsAsAttempt, reply, at);
    }
}
