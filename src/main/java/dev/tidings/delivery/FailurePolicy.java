package dev.tidings.delivery;

import dev.tidings.common.Units;
import dev.tidings.delivery.smtp.SmtpFault;
import dev.tidings.delivery.smtp.SmtpReplyException;
import dev.tidings.delivery.smtp.SmtpReplyException.Stage;
import dev.tidings.issue.RenderRefused;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a failed delivery attempt means, as an {@link Outcome}: pure logic, no I/O, unit-tested case
 * by case ({@code FailurePolicyTest}). This is where the rules about real receivers live: a reply is
 * read for what it is about (one recipient, the sender, the connection, the relay).
 *
 * <ul>
 *   <li>The writer's template over its budget for this subscriber: {@code failed}, not retried.
 *   <li>A 4xx at RCPT, DATA or after the message (a full mailbox, greylisting's 451 4.7.1): about
 *       this recipient: {@code retrying} on the retry schedule, the attempt counted; the rest of
 *       the domain goes on.
 *   <li>A throttle: 421 at any step of a mail, a 4xx at MAIL FROM, or a 4xx whose text is a
 *       provider's rate limit ({@link #THROTTLE}): the domain is slowed ({@link Signal#DOMAIN}) and
 *       the send deferred by {@code throttle-backoff} without counting an attempt, for the first
 *       {@code free-deferrals} times; after that a deferral counts like any retry.
 *   <li>A refusal of the session (greeting, EHLO, STARTTLS, AUTH) or a connection fault: about the
 *       relay ({@link Signal#RELAY}): retried on the schedule (the caller first tries another relay).
 *   <li>A 5xx at MAIL FROM: {@code failed} (the sender was refused; the subscriber is not to blame).
 *       Any other 5xx: {@code bounced} (the subscriber is then suppressed).
 *   <li>Any other fault (ours: a bug, the database, an issue that no longer compiles): retried the
 *       same way, with a plain {@link #INTERNAL} sentence for the writer; the caller logs it.
 *   <li>Whatever the reply, a send older than {@code max-age} (RFC 5321 4.5.4.1's give-up time) is
 *       not retried again: {@code failed} with the last reply.
 * </ul>
 */
final class FailurePolicy {

    /** Whom a failure is about, beyond the send itself. */
    enum Signal {
        NONE,
        /** The recipient's domain asked us to slow down. */
        DOMAIN,
        /** The relay could not be reached or refused the session. */
        RELAY
    }

    /** The outcome, whom else the failure is about, and whether it was ours (to be logged). */
    record Decision(Outcome outcome, Signal signal, boolean unexpected) {
        Decision(Outcome outcome, Signal signal) {
            this(outcome, signal, false);
        }

        boolean slowDomain() {
            return signal == Signal.DOMAIN;
        }
    }

    /** What the writer sees of a fault that is neither the receiver's nor the template's (it is logged). */
    static final String INTERNAL = "not sent: an internal error (the operator's log has the details); it is retried";

    /**
     * Providers' rate-limit replies (Gmail 4.7.28 and 4.7.0 "unusual rate", Yahoo's TS codes
     * "temporarily deferred", Microsoft's 4.7.500 "server busy", "too many messages/connections").
     * Greylisting (4.7.1, "greylisted", 4.2.0) is deliberately not here: it is about one recipient.
     */
    static final Pattern THROTTLE = Pattern.compile(
            "\\b4\\.7\\.(0|28|500)\\b|rate.?limit|unusual rate|too many (messages|mails|connections|emails)"
                    + "|temporarily deferred|throttl|server busy|slow down",
            Pattern.CASE_INSENSITIVE);

    private final List<Duration> retrySchedule;
    private final Duration deferBackoff;
    private final Duration maxAge;
    private final int freeDeferrals;

    FailurePolicy(List<Duration> retrySchedule, Duration deferBackoff, Duration maxAge, int freeDeferrals) {
        this.retrySchedule = List.copyOf(retrySchedule);
        this.deferBackoff = deferBackoff;
        this.maxAge = maxAge;
        this.freeDeferrals = freeDeferrals;
    }

    Decision decide(Claimed send, Throwable failure, Instant now) {
        if (failure instanceof RenderRefused refused) {
            return new Decision(Outcome.failed(send, "not sent: " + refused.getMessage()), Signal.NONE);
        }
        if (failure instanceof SmtpReplyException smtp) {
            return reply(send, smtp, now);
        }
        if (failure instanceof SmtpFault fault) {
            // Written for the writer: what went wrong between us and the SMTP server.
            return new Decision(
                    retryOrFail(send, "could not deliver to the SMTP server: " + fault.getMessage(), now),
                    Signal.RELAY);
        }
        // Anything else is ours (a bug, the database, an issue that no longer compiles): its message
        // may name classes and internals, so the writer gets a plain sentence and the log the rest.
        return new Decision(retryOrFail(send, INTERNAL, now), Signal.NONE, true);
    }

    private Decision reply(Claimed send, SmtpReplyException smtp, Instant now) {
        String reply = smtp.reply();
        Stage stage = smtp.stage();
        if (stage == Stage.SESSION) {
            return new Decision(retryOrFail(send, reply, now), Signal.RELAY);
        }
        if (smtp.isPermanent()) {
            return new Decision(
                    stage == Stage.MAIL ? Outcome.failed(send, reply) : Outcome.bounced(send, reply), Signal.NONE);
        }
        if (isThrottle(smtp)) {
            return new Decision(defer(send, reply, now), Signal.DOMAIN);
        }
        return new Decision(retryOrFail(send, reply, now), Signal.NONE);
    }

    /** 421 (the server is closing), a temporary refusal of the sender, or a rate-limit text. */
    static boolean isThrottle(SmtpReplyException smtp) {
        return smtp.code() == 421
                || smtp.stage() == Stage.MAIL
                || THROTTLE.matcher(smtp.reply()).find();
    }

    /**
     * A throttle: tried again after {@code throttle-backoff} without counting an attempt, the first
     * {@code free-deferrals} times; then like any temporary failure. Past max-age, failed.
     */
    Outcome defer(Claimed send, String reason, Instant now) {
        if (tooOld(send, now)) {
            return Outcome.failed(send, gaveUp(reason));
        }
        if (send.deferrals() >= freeDeferrals) {
            return retryOrFail(send, reason, now);
        }
        return Outcome.deferred(send, reason, now.plus(deferBackoff));
    }

    /** The next wait of the schedule after the send's attempts so far; failed once it is used up or the send is too old. */
    Outcome retryOrFail(Claimed send, String reason, Instant now) {
        int attempt = send.attempts(); // attempts before this one
        if (tooOld(send, now)) {
            return Outcome.failed(send, gaveUp(reason));
        }
        if (attempt >= retrySchedule.size()) {
            return Outcome.failed(send, reason);
        }
        return Outcome.retry(send, reason, now.plus(retrySchedule.get(attempt)), true);
    }

    private boolean tooOld(Claimed send, Instant now) {
        return send.createdAt() != null
                && !send.createdAt().toInstant().plus(maxAge).isAfter(now);
    }

    private String gaveUp(String reason) {
        return "gave up after " + Units.duration(maxAge) + " (tidings.delivery.max-age): " + reason;
    }
}
