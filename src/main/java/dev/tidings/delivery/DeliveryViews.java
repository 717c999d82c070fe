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
            double sentPerSecond) {}

    /** How far an issue got: of its recipients, how many were sent and how many are done. */
    public record Share(int recipients, long sent, long done) {
        /** Done, in whole percent (100 for an issue with no recipients). */
        public int percent() {
            return recipients == 0 ? 100 : (int) Math.min(100, done * 100 / recipients);
        }
    }

    public record SendView(
            UUID subscriberId,
            String email,
            String status,
            int attempts,
            String lastError,
            Instant sentAt,
            String messageId) {}
}
