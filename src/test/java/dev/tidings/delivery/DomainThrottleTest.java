package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The adaptive per-domain rate (AIMD), on an explicit clock. */
class DomainThrottleTest {

    private static final long S = 1_000_000_000L;
    private final DomainThrottle throttle = new DomainThrottle(1, Duration.ofSeconds(1), Duration.ofSeconds(2));

    /** Sends {@code n} mails to the domain within the second before {@code now}, then turns the second over. */
    private void sendAndTick(String domain, int n, long now) {
        for (int i = 0; i < n; i++) {
            assertThat(throttle.reserve(domain, now).delayNanos()).isZero();
        }
        throttle.tick(now);
    }

    @Test
    void aDomainNeverThrottledIsNeverHeld() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(throttle.reserve("free.example", 0)).isSameAs(DomainThrottle.Slot.NOW);
        }
        assertThat(throttle.size()).isZero();
    }

    @Test
    void aThrottleHalvesTheRateTheDomainWasSentAtAndSpacesItsMails() {
        sendAndTick("busy.example", 40, 0);
        throttle.cut("busy.example", S, "421 4.7.0 slow down", UUID.randomUUID());
        assertThat(throttle.rate("busy.example")).isEqualTo(20.0);
        // At 20 mails/s, mails are 50 ms apart.
        long first = throttle.reserve("busy.example", S).delayNanos();
        long second = throttle.reserve("busy.example", S).delayNanos();
        assertThat(second - first).isEqualTo(50_000_000L);
        // Other domains are not affected.
        assertThat(throttle.reserve("other.example", S)).isSameAs(DomainThrottle.Slot.NOW);
    }

    @Test
    void throttlesArrivingTogetherCutOnceAndTheRateNeverFallsBelowTheFloor() {
        sendAndTick("busy.example", 64, 0);
        for (int i = 0; i < 30; i++) {
            throttle.cut("busy.example", S + i * 1_000_000L, "421", null);
        }
        assertThat(throttle.rate("busy.example")).as("one cut for a burst").isEqualTo(32.0);
        for (int i = 1; i <= 20; i++) {
            throttle.cut("busy.example", S + i * 2 * S, "421", null);
        }
        assertThat(throttle.rate("busy.example")).isEqualTo(1.0);
    }

    @Test
    void theRateGrowsBackAdditivelyAndTheDomainIsFreedAtItsStartingRate() {
        sendAndTick("busy.example", 100, 0);
        throttle.cut("busy.example", S, "421", null);
        assertThat(throttle.rate("busy.example")).isEqualTo(50.0);
        throttle.tick(S + S / 2);
        assertThat(throttle.rate("busy.example"))
                .as("not within a second of the cut")
                .isEqualTo(50.0);
        throttle.tick(3 * S);
        assertThat(throttle.rate("busy.example")).isEqualTo(60.0);
        for (int i = 4; i < 8; i++) {
            throttle.tick(i * S);
        }
        assertThat(throttle.rate("busy.example")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(throttle.size()).isZero();
    }

    @Test
    void aTurnFurtherOffThanTheLongestWaitIsNotReserved() {
        sendAndTick("slow.example", 2, 0);
        throttle.cut("slow.example", S, "421", null);
        assertThat(throttle.rate("slow.example")).isEqualTo(1.0);
        DomainThrottle.Slot a = throttle.reserve("slow.example", S);
        DomainThrottle.Slot b = throttle.reserve("slow.example", S);
        DomainThrottle.Slot c = throttle.reserve("slow.example", S);
        assertThat(a.reserved()).isTrue();
        assertThat(b.reserved()).isTrue();
        assertThat(c.reserved()).as("3 s off, the longest wait is 2 s").isFalse();
        assertThat(c.delayNanos()).isEqualTo(3 * S);
        // The refused turn was not taken: the next one is still 3 s off.
        assertThat(throttle.reserve("slow.example", S).delayNanos()).isEqualTo(3 * S);
    }

    @Test
    void theViewNamesTheLastReplyAndTheIssuesThatMetTheThrottle() {
        UUID issue = UUID.randomUUID();
        throttle.cut("busy.example", S, "421 4.7.28 rate limited", issue);
        DomainThrottle.View view = throttle.views().get(0);
        assertThat(view.domain()).isEqualTo("busy.example");
        assertThat(view.lastReply()).isEqualTo("421 4.7.28 rate limited");
        assertThat(view.issues()).containsExactly(issue);
    }
}
