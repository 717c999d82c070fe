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
    void aMalformedEntryNamesItself() {
        assertThatThrownBy(() -> RateLimits.parse("gmail.com:50"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gmail.com:50");
        assertThatThrownBy(() -> RateLimits.parse("gmail.com=fast")).isInstanceOf(NumberFormatException.class);
    }
}
