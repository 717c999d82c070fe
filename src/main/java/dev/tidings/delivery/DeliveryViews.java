package dev.tidings.delivery;

import java.time.Instant;
import java.util.UUID;

/** Bodies of the delivery endpoints. */
final class DeliveryViews {

    private DeliveryViews() {}

    record PublishRequest(Instant scheduledAt) {}

    /** POST .../test body: 1 to 10 addresses. */
    record TestSendRequest(java.util.List<String> emails) {}

    record Published(String status, int recipients) {}

    record Progress(
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

    record SendView(
            UUID subscriberId,
            String email,
            String status,
            int attempts,
            String lastError,
            Instant sentAt,
            String messageId) {}
}
