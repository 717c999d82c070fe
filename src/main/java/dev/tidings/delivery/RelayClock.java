package dev.tidings.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * The clock of relay windows (hourly and daily limits): the system clock. A bean so that a test can
 * move time on (an alternative bean in the test sources) without waiting an hour.
 */
@ApplicationScoped
public class RelayClock {

    public Instant now() {
        return Instant.now();
    }
}
