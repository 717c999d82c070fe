package dev.tidings.delivery;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.Duration;
import java.time.Instant;

/** The relay clock in tests: the system clock, moved on by what a test adds (zero unless one does). */
@Alternative
@Priority(1)
@ApplicationScoped
public class ShiftableRelayClock extends RelayClock {

    private static volatile Duration shift = Duration.ZERO;

    /** Moves the relay windows' clock on, as if that much time had passed. */
    public static void advance(Duration by) {
        shift = shift.plus(by);
    }

    @Override
    public Instant now() {
        return Instant.now().plus(shift);
    }
}
