package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code tidings.delivery.domain-rates}, as the rate limits read it. */
class RateLimitsTest {

    @Test
    void domainRatesAreReadCaseInsensitivelyAndSkipEmptyEntries() {
        assertThat(RateLimits.parse(" Gmail.com = 50 ,yahoo.com=20,,"))
                .isEqualTo(Map.of("gmail.com", 50, "yahoo.com", 20));
        assertThat(RateLimits.parse("")).isEmpty();
    }

    @Test
    void pausedDomainsAreForgottenOnceTheirPauseIsOver() {
        RateLimits.Cooling cooling = new RateLimits.Cooling(100);
        java.time.Instant now = java.time.Instant.parse("2026-11-30T00:00:00Z");
        cooling.cool("slow.example", now.plusSeconds(60), now);
        assertThat(cooling.until("slow.example", now.plusSeconds(30))).isEqualTo(now.plusSeconds(60));
        assertThat(cooling.until("slow.example", now.plusSeconds(61))).isNull();
        assertThat(cooling.size()).isZero();
        // Many domains, each paused once and never mailed again: the ended pauses do not pile up.
        for (int i = 0; i < 10_000; i++) {
            java.time.Instant t = now.plusSeconds(i);
            cooling.cool("d" + i + ".example", t.plusSeconds(5), t);
        }
        assertThat(cooling.size()).isLessThanOrEqualTo(101);
        assertThat(cooling.until("d9999.example", now.plusSeconds(9_999))).isNotNull();
    }

    @Test
    void aMalformedEntryNamesItself() {
        assertThatThrownBy(() -> RateLimits.parse("gmail.com:50"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gmail.com:50");
        assertThatThrownBy(() -> RateLimits.parse("gmail.com=fast")).isInstanceOf(NumberFormatException.class);
    }
}
