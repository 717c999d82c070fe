package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.config.TidingsConfig;
import dev.tidings.testing.Database;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An instance's row in {@code delivery_instance} over its shutdown. A second {@link Instances}
 * (its own id) on the test app's pool, so that the app's own instance keeps beating.
 */
@QuarkusTest
class InstancesTest {

    @Inject
    Pool pool;

    @Inject
    TidingsConfig config;

    @Inject
    RateLimits limits;

    @Inject
    Relays relays;

    private String beatOf(Instances instance) {
        return Database.strings(
                        "SELECT CASE WHEN beat_at = '-infinity' THEN 'dead' ELSE 'alive' END"
                                + " FROM delivery_instance WHERE id = ?::uuid",
                        instance.id().toString())
                .stream()
                .findFirst()
                .orElse("gone");
    }

    @Test
    void anInstanceThatSignedOffDeadStaysDeadThoughAHeartbeatFiresAfterwards() {
        Instances instance = new Instances(pool, config, limits, relays);
        try {
            instance.beat().await().atMost(Duration.ofSeconds(10));
            assertThat(beatOf(instance)).isEqualTo("alive");
            Instances.SignedOff signedOff = new Instances.SignedOff(instance);
            assertThat(signedOff.test(null)).as("the dispatcher's tasks run").isFalse();
            // Shutting down with claims left: marked dead so that the others take them at once.
            instance.leave(true);
            assertThat(beatOf(instance)).isEqualTo("dead");
            assertThat(signedOff.test(null))
                    .as("the dispatcher's tasks are skipped")
                    .isTrue();
            // The scheduler can still fire a beat until the app has stopped: it must not bring the
            // instance back to life, or its claims wait for dead-after instead.
            instance.heartbeat().await().atMost(Duration.ofSeconds(10));
            assertThat(beatOf(instance)).isEqualTo("dead");
        } finally {
            Database.update(
                    "DELETE FROM delivery_instance WHERE id = ?::uuid",
                    instance.id().toString());
        }
    }

    @Test
    void anInstanceThatSignedOffCleanlyIsNotInsertedAgainByALateHeartbeat() {
        Instances instance = new Instances(pool, config, limits, relays);
        try {
            instance.beat().await().atMost(Duration.ofSeconds(10));
            instance.leave(false);
            assertThat(beatOf(instance)).isEqualTo("gone");
            instance.heartbeat().await().atMost(Duration.ofSeconds(10));
            assertThat(beatOf(instance)).isEqualTo("gone");
        } finally {
            Database.update(
                    "DELETE FROM delivery_instance WHERE id = ?::uuid",
                    instance.id().toString());
        }
    }
}
