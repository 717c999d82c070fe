package dev.tidings.delivery;

import dev.tidings.delivery.smtp.SmtpReplyException;
import dev.tidings.issue.RenderRefused;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a failed delivery attempt means, as an {@link Outcome}: pure logic, no I/O, unit-tested case
 * by case ({@code FailurePolicyTest}). This is where the rules about real receivers live.
 *
 * <ul>
 *   <li>The writer's template over its budget for this subscriber: {@code failed}, not retried.
 *   <li>421, 451, 454: the receiver asks us to slow down: the domain is slowed for {@code
 *       throttle-backoff} and the send retried after it, without burning an attempt.
 *   <li>Any other 5xx: {@code bounced} (the subscriber is then suppressed).
 *   <li>Any other 4xx, a timeout or a connection fault: {@code retrying} after the next wait of
 *       {@code retry-schedule}; {@code failed} with the last reply once the schedule is used up.
 * </ul>
 */
final class FailurePolicy {

    /** The outcome, and whether the recipient's domain should be slowed down. */
    record Decision(Outcome outcome, boolean slowDomain) {}

    private final List<Duration> retrySchedule;
    private final Duration throttleBackoff;

    FailurePolicy(List<Duration> retrySchedule, Duration throttleBackoff) {
        this.retrySchedule = List.copyOf(retrySchedule);
        this.throttleBackoff = throttleBackoff;
    }

    Decision decide(Claimed send, Throwable failure, Instant now) {
        if (failure instanceof RenderRefused refused) {
            return new Decision(Outcome.failed(send, "not sent: " + refused.getMessage()), false);
        }
        if (failure instanceof SmtpReplyException smtp) {
            int code = smtp.code();
            String reply = smtp.reply();
            if (code == 421 || code == 451 || code == 454) {
                return new Decision(Outcome.retry(send, reply, now.plus(throttleBackoff), false), true);
            }
            if (smtp.isPermanent()) {
                return new Decision(Outcome.bounced(send, reply), false);
            }
            return new Decision(retryOrFail(send, reply, now), false);
        }
        String message = failure.getMessage() == null ? "no detail" : failure.getMessage();
        return new Decision(retryOrFail(send, "could not deliver to the SMTP server: " + message, now), false);
    }

    /** The next wait of the schedule after the send's attempts so far; failed once it is used up. */
    Outcome retryOrFail(Claimed send, String reason, Instant now) {
        int attempt = send.attempts(); // attempts before this one
        if (attempt >= retrySchedule.size()) {
            return Outcome.failed(send, reason);
        }
        return Outcome.retry(send, reason, now.plus(retrySchedule.get(attempt)), true);
    }
}
