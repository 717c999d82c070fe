package dev.tidings.delivery;

import dev.tidings.delivery.smtp.SmtpFault;
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
 *   <li>Any other fault (ours: a bug, the database, an issue that no longer compiles): retried the
 *       same way, with a plain {@link #INTERNAL} sentence for the writer; the caller logs it.
 * </ul>
 */
final class FailurePolicy {

    /** The outcome, and whether the recipient's domain should be slowed down. */
    record Decision(Outcome outcome, boolean slowDomain, boolean unexpected) {
        Decision(Outcome outcome, boolean slowDomain) {
            this(outcome, slowDomain, false);
        }
    }

    /** What the writer sees of a fault that is neither the receiver's nor the template's (it is logged). */
    static final String INTERNAL = "not sent: an internal error (the operator's log has the details); it is retried";

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
        if (failure instanceof SmtpFault fault) {
            // Written for the writer: what went wrong between us and the SMTP server.
            return new Decision(
                    retryOrFail(send, "could not deliver to the SMTP server: " + fault.getMessage(), now), false);
        }
        // Anything else is ours (a bug, the database, an issue that no longer compiles): its message
        // may name classes and internals, so the writer gets a plain sentence and the log the rest.
        return new Decision(retryOrFail(send, INTERNAL, now), false, true);
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
