package dev.tidings.delivery;

import java.time.Instant;
import java.util.UUID;

/** Bodies of the delivery endpoints. */
public final class DeliveryViews {

    private DeliveryViews() {}

    public record PublishRequest(Instant scheduledAt) {}

    /** POST .../test body: 1 to 10 addresses. */
    public record TestSendRequest(java.util.List<String> emails) {}

    public record Published(String status, int recipients) {}

    public record Progress(
            String status,
            int recipients,
            long queued,
            long sending,
            long sent,
            long retrying,
            long failed,
            long bounced,
            long skipped,
            Instant startedAt,
            Instant finishedAt,
            double sentPerSecond,
            /*
             * Beyond API.md: when the per-send records began to be deleted by the send
             * retention (tidings.delivery.send-retention after it finished); null while they are
             * kept. From then on the counts here stay and the sends list is empty.
             */
            Instant sendsRolledUpAt) {}

    /** How far an issue got: of its recipients, how many were sent and how many are done. */
    public record Share(int recipients, long sent, long done) {
        /** Done, in whole percent (100 for an issue with no recipients). */
        public int percent() {
            return recipients == 0 ? 100 : (int) Math.min(100, done * 100 / recipients);
        }
    }

    /**
     * A send in the sends list. Beyond API.md: {@code relay} (of its last attempt), {@code
     * deferrals} (throttles not counted as attempts), {@code nextAttemptAt} (of a retry), and
     * {@code history}, its attempts that did not go out with their replies (the last ten).
     */
    public record SendView(
            UUID subscriberId,
            String email,
            String status,
            int attempts,
            String lastError,
            Instant sentAt,
            String messageId,
            String relay,
            int deferrals,
            Instant nextAttemptAt,
            java.util.List<Attempt> history) {}

    /**
     * The delivery view's details: each relay the issue may use (its sends of this issue by status,
     * its health on the live instances, its hourly/daily window) and the recipient domains that
     * throttle this issue now.
     */
    public record Details(java.util.List<RelayView> relays, java.util.List<ThrottledDomain> throttledDomains) {}

    /**
     * A relay: {@code sent}, {@code retrying}, {@code failed}, {@code bounced} are this issue's
     * sends whose last attempt went through it; {@code healthy} is false while an instance has it
     * marked down; {@code hour}/{@code day} are its windows (null without a limit).
     */
    public record RelayView(
            String name,
            boolean pinned,
            boolean healthy,
            String lastFault,
            long sent,
            long retrying,
            long failed,
            long bounced,
            Window hour,
            Window day) {}

    /** A relay's window: mails counted in it over every instance, and its limit. */
    public record Window(int used, int limit) {}

    /** A recipient domain slowed down after it throttled this issue: its rate now on that instance. */
    public record ThrottledDomain(
            String domain,
            double ratePerSecond,
            double startRatePerSecond,
            Instant since,
            String lastReply,
            String instance) {}

    /** One attempt that did not go out: when, through which relay, and the reply or fault. */
    public record Attempt(Instant at, String relay, String reply) {}
}
