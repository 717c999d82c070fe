package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.delivery.smtp.SmtpFault;
import dev.tidings.delivery.smtp.SmtpReplyException;
import dev.tidings.delivery.smtp.SmtpReplyException.Stage;
import dev.tidings.issue.RenderRefused;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What each kind of failed attempt becomes, case by case, without a server. */
class FailurePolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private final FailurePolicy policy = new FailurePolicy(
            List.of(Duration.ofMinutes(1), Duration.ofMinutes(5)), Duration.ofSeconds(30), Duration.ofDays(3), 2);

    private static Claimed send(int attemptsSoFar) {
        return send(attemptsSoFar, 0, OffsetDateTime.parse("2026-11-29T11:00:00Z"));
    }

    private static Claimed send(int attemptsSoFar, int deferrals, OffsetDateTime createdAt) {
        return new Claimed(
                UUID.randomUUID(),
                OffsetDateTime.parse("2026-11-29T12:15:00Z"),
                UUID.randomUUID(),
                UUID.randomUUID(),
                attemptsSoFar,
                "reader@example.org",
                "Reader",
                "active",
                new JsonObject(),
                deferrals,
                createdAt);
    }

    private static SmtpReplyException at(Stage stage, int code, String text) {
        return new SmtpReplyException(code, code + " " + text, stage);
    }

    private FailurePolicy.Decision decide(int attempts, Throwable failure) {
        return policy.decide(send(attempts), failure, NOW);
    }

    @Test
    void aPermanentRefusalIsABounceThatCounts() {
        FailurePolicy.Decision d = decide(0, at(Stage.RCPT, 550, "5.1.1 no such user"));
        assertThat(d.outcome().status()).isEqualTo(SendStatus.BOUNCED);
        assertThat(d.outcome().countsAsAttempt()).isTrue();
        assertThat(d.outcome().error()).isEqualTo("550 5.1.1 no such user");
        assertThat(d.outcome().nextAttemptAt()).isNull();
        assertThat(d.signal()).isEqualTo(FailurePolicy.Signal.NONE);
        assertThat(decide(0, at(Stage.MESSAGE, 554, "5.7.1 rejected as spam"))
                        .outcome()
                        .status())
                .isEqualTo(SendStatus.BOUNCED);
    }

    @Test
    void aPermanentRefusalOfTheSenderFailsTheSendWithoutBlamingTheSubscriber() {
        FailurePolicy.Decision d = decide(0, at(Stage.MAIL, 550, "5.7.1 sender not allowed"));
        assertThat(d.outcome().status()).isEqualTo(SendStatus.FAILED);
        assertThat(d.outcome().error()).isEqualTo("550 5.7.1 sender not allowed");
    }

    @Test
    void aTemporaryRefusalOfOneRecipientIsAboutThatRecipientOnly() {
        // Greylisting (451 4.7.1), a full mailbox (452 4.2.2), a busy mailbox (450 4.2.0).
        for (SmtpReplyException reply : List.of(
                at(Stage.RCPT, 451, "4.7.1 Greylisted, please try again later"),
                at(Stage.RCPT, 452, "4.2.2 mailbox full"),
                at(Stage.RCPT, 450, "4.2.0 mailbox busy"),
                at(Stage.RCPT, 451, "4.3.0 temporary failure"),
                at(Stage.MESSAGE, 451, "4.3.0 queue file write error"))) {
            FailurePolicy.Decision d = decide(0, reply);
            assertThat(d.outcome().status()).as(reply.reply()).isEqualTo(SendStatus.RETRYING);
            assertThat(d.outcome().countsAsAttempt()).as(reply.reply()).isTrue();
            assertThat(d.outcome().nextAttemptAt()).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
            assertThat(d.signal()).as(reply.reply()).isEqualTo(FailurePolicy.Signal.NONE);
        }
    }

    @Test
    void throttlesSlowTheDomainAndDeferWithoutBurningAnAttemptUpToTheFreeDeferrals() {
        for (SmtpReplyException reply : List.of(
                at(Stage.RCPT, 421, "4.7.0 Try again later, closing connection"),
                at(Stage.MESSAGE, 421, "4.7.28 Our system has detected an unusual rate of unsolicited mail"),
                at(Stage.MAIL, 451, "4.3.2 please slow down"),
                at(Stage.RCPT, 450, "4.7.0 [TSS04] Messages temporarily deferred due to unexpected volume"),
                at(Stage.RCPT, 452, "4.5.3 too many messages from your address, rate limit exceeded"))) {
            FailurePolicy.Decision d = decide(3, reply);
            assertThat(d.outcome().status()).as(reply.reply()).isEqualTo(SendStatus.RETRYING);
            assertThat(d.outcome().countsAsAttempt()).as(reply.reply()).isFalse();
            assertThat(d.outcome().deferral()).isTrue();
            assertThat(d.outcome().nextAttemptAt()).isEqualTo(NOW.plusSeconds(30));
            assertThat(d.slowDomain()).as(reply.reply()).isTrue();
        }
        // After the free deferrals, a throttle counts like any retry (and the schedule ends).
        Claimed deferredTwice = send(0, 2, OffsetDateTime.parse("2026-11-29T11:00:00Z"));
        FailurePolicy.Decision counted = policy.decide(deferredTwice, at(Stage.RCPT, 421, "4.7.0 closing"), NOW);
        assertThat(counted.outcome().countsAsAttempt()).isTrue();
        assertThat(counted.outcome().deferral()).isFalse();
        assertThat(counted.slowDomain()).isTrue();
        Claimed exhausted = send(2, 2, OffsetDateTime.parse("2026-11-29T11:00:00Z"));
        assertThat(policy.decide(exhausted, at(Stage.RCPT, 421, "4.7.0 closing"), NOW)
                        .outcome()
                        .status())
                .isEqualTo(SendStatus.FAILED);
    }

    @Test
    void refusalsOfTheSessionAreAboutTheRelay() {
        FailurePolicy.Decision d = decide(0, at(Stage.SESSION, 421, "the SMTP server refused greeting: 421 too busy"));
        assertThat(d.signal()).isEqualTo(FailurePolicy.Signal.RELAY);
        assertThat(d.outcome().status()).isEqualTo(SendStatus.RETRYING);
        assertThat(decide(0, at(Stage.SESSION, 535, "5.7.8 bad credentials"))
                        .outcome()
                        .status())
                .as("a refused login never bounces the subscriber")
                .isEqualTo(SendStatus.RETRYING);
        assertThat(decide(0, new SmtpFault("connection refused")).signal()).isEqualTo(FailurePolicy.Signal.RELAY);
    }

    @Test
    void aSendOlderThanMaxAgeIsNotRetriedAgain() {
        Claimed old = send(0, 0, OffsetDateTime.parse("2026-11-26T11:59:59Z"));
        FailurePolicy.Decision greylisted = policy.decide(old, at(Stage.RCPT, 451, "4.7.1 greylisted"), NOW);
        assertThat(greylisted.outcome().status()).isEqualTo(SendStatus.FAILED);
        assertThat(greylisted.outcome().error())
                .isEqualTo("gave up after 3 days (tidings.delivery.max-age): 451 4.7.1 greylisted");
        FailurePolicy.Decision throttled = policy.decide(old, at(Stage.RCPT, 421, "4.7.0 closing"), NOW);
        assertThat(throttled.outcome().status()).isEqualTo(SendStatus.FAILED);
        Claimed young = send(0, 0, OffsetDateTime.parse("2026-11-26T12:00:01Z"));
        assertThat(policy.decide(young, at(Stage.RCPT, 451, "4.7.1 greylisted"), NOW)
                        .outcome()
                        .status())
                .isEqualTo(SendStatus.RETRYING);
    }

    @Test
    void otherTemporaryRefusalsFollowTheRetryScheduleThenFail() {
        SmtpReplyException busy = at(Stage.RCPT, 450, "4.2.0 mailbox busy");
        FailurePolicy.Decision first = decide(0, busy);
        assertThat(first.outcome().status()).isEqualTo(SendStatus.RETRYING);
        assertThat(first.outcome().countsAsAttempt()).isTrue();
        assertThat(first.outcome().nextAttemptAt()).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
        assertThat(decide(1, busy).outcome().nextAttemptAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
        FailurePolicy.Decision last = decide(2, busy);
        assertThat(last.outcome().status()).isEqualTo(SendStatus.FAILED);
        assertThat(last.outcome().error()).isEqualTo("450 4.2.0 mailbox busy");
        assertThat(last.slowDomain()).isFalse();
    }

    @Test
    void connectionFaultsAreRetriedWithTheirReason() {
        FailurePolicy.Decision d = decide(0, new SmtpFault("no reply within 60000 ms"));
        assertThat(d.outcome().status()).isEqualTo(SendStatus.RETRYING);
        assertThat(d.outcome().error()).isEqualTo("could not deliver to the SMTP server: no reply within 60000 ms");
        assertThat(decide(2, new SmtpFault("refused")).outcome().error())
                .isEqualTo("could not deliver to the SMTP server: refused");
        assertThat(decide(2, new SmtpFault("refused")).outcome().status()).isEqualTo(SendStatus.FAILED);
    }

    @Test
    void anUnexpectedFaultIsRetriedWithoutShowingItsInternals() {
        FailurePolicy.Decision d = decide(
                0,
                new NullPointerException("Cannot invoke \"dev.tidings.issue.CompiledIssue.html()\" because x is null"));
        assertThat(d.outcome().status()).isEqualTo(SendStatus.RETRYING);
        assertThat(d.outcome().error())
                .isEqualTo("not sent: an internal error (the operator's log has the details); it is retried")
                .doesNotContain("dev.tidings");
        assertThat(d.unexpected()).isTrue();
        assertThat(decide(0, new SmtpFault("refused")).unexpected()).isFalse();
        assertThat(decide(2, new IllegalStateException("internal")).outcome().status())
                .isEqualTo(SendStatus.FAILED);
    }

    @Test
    void aTemplateOverItsBudgetFailsAtOnceAndIsNotRetried() {
        FailurePolicy.Decision d = decide(0, new RenderRefused("the template exceeds its render budget"));
        assertThat(d.outcome().status()).isEqualTo(SendStatus.FAILED);
        assertThat(d.outcome().countsAsAttempt()).isTrue();
        assertThat(d.outcome().error()).isEqualTo("not sent: the template exceeds its render budget");
    }
}
