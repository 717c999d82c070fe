package dev.tidings.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The app with three relays ({@link RelayServers}: alpha, beta, limited), a 20-step retry schedule
 * of 2 s, a 25 s max-age and 1 s throttle backoff: for the MTA-grade delivery tests and the relay
 * screens.
 */
public class RelaysProfile implements QuarkusTestProfile {

    public static final String SCHEDULE = String.join(",", Collections.nCopies(20, "2s"));

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "tidings.delivery.retry-schedule", SCHEDULE,
                "tidings.delivery.max-age", "25s",
                "tidings.delivery.throttle-backoff", "1s",
                "tidings.delivery.heartbeat-every", "1s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(RelayServers.class));
    }
}
