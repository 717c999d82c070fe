package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.delivery.smtp.SmtpFault;
import dev.tidings.delivery.smtp.SmtpReplyException;
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
    private final FailurePolicy policy =
            new FailurePolicy(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5)), Duration.ofSeconds(30));

    private static Claimed send(int attemptsSoFar) {
        return new Claimed(
                UUID.randomUUID(),
                OffsetDateTime.parse("2026-11-29T12:15:00Z"),
                UUID.randomUUID(),
                UUID.randomUUID(),
                attemptsSoFar,
                "reader@example.org",
                "Reader",
                "active",
                new JsonObject());
    }

    private FailurePolicy.Decision decide(int attempts, Throwable failure) {
        return policy.decide(send(attempts), failure, NOW);
    }

    @Test
    void aPermanentRefusalIsABounceThatCounts() {
        FailurePolicy.Decision d = decide(0, new SmtpReplyException(550, "550 5.1.1 no such user"));
        assertThat(d.outcome().status()).isEqualTo(SendStatus.BOUNCED);
        assertThat(d.outcome().countsAsAttempt()).isTrue();
        assertThat(d.outcome().error()).isEqualTo("550 5.1.1 no such user");
        assertThat(d.outcome().nextAttemptAt()).isNull();
        assertThat(d.slowDomain()).isFalse();
    }

    @Test
    void slowDownRepliesPauseTheDomainWithoutBurningAnAttempt() {
        for (int code : new int[] {421, 451, 454}) {
            FailurePolicy.Decision d = decide(3, new SmtpReplyException(code, code + " 4.7.0 slow down"));
            assertThat(d.outcome().status()).as("%d", code).isEqualTo(SendStatus.RETRYING);
            assertThat(d.outcome().countsAsAttempt()).as("%d", code).isFalse();
            assertThat(d.outcome().nextAttemptAt()).isEqualTo(NOW.plusSeconds(30));
            assertThat(d.slowDomain()).isTrue();
        }
    }

    @Test
    void otherTemporaryRefusalsFollowTheRetryScheduleThenFail() {
        SmtpReplyException busy = new SmtpReplyException(450, "450 4.2.0 mailbox busy");
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
