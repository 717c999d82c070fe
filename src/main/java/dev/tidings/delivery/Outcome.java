package dev.tidings.delivery;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * What became of one delivery attempt. {@code countsAsAttempt} is false for sends that were not
 * tried (skipped, handed back, waiting for a relay's window) or that a provider asked us to slow
 * down for within the free deferrals ({@code deferral} then counts one). {@code lease} is the claim
 * it answers (see {@link Claimed}); {@code relay} the relay the attempt went through, if any.
 */
public record Outcome(
        UUID sendId,
        OffsetDateTime lease,
        UUID subscriberId,
        SendStatus status,
        boolean countsAsAttempt,
        boolean deferral,
        String error,
        Instant nextAttemptAt,
        String relay) {

    static Outcome sent(Claimed c) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.SENT, true, false, null, null, null);
    }

    static Outcome skipped(Claimed c, String why) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.SKIPPED, false, false, why, null, null);
    }

    static Outcome bounced(Claimed c, String reply) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.BOUNCED, true, false, reply, null, null);
    }

    static Outcome failed(Claimed c, String reply) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.FAILED, true, false, reply, null, null);
    }

    static Outcome retry(Claimed c, String reply, Instant at, boolean countsAsAttempt) {
        return new Outcome(
                c.sendId(), c.lease(), c.subscriberId(), SendStatus.RETRYING, countsAsAttempt, false, reply, at, null);
    }

    /** A throttle that does not count as an attempt (yet): one more deferral. */
    static Outcome deferred(Claimed c, String reply, Instant at) {
        return new Outcome(c.sendId(), c.lease(), c.subscriberId(), SendStatus.RETRYING, false, true, reply, at, null);
    }

    /** The same outcome, noting the relay the attempt went through. */
    Outcome via(String relayName) {
        return new Outcome(
                sendId, lease, subscriberId, status, countsAsAttempt, deferral, error, nextAttemptAt, relayName);
    }
}
