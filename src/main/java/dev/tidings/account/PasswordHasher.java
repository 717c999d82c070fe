package dev.tidings.account;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import dev.tidings.config.TidingsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt password hashes. Hashing takes a deliberate ~100 ms+, so it runs on a worker thread and
 * the result comes back on the caller's Vert.x context (where Hibernate Reactive needs it).
 * Passwords longer than bcrypt's 72 bytes are pre-hashed with SHA-512 rather than truncated.
 */
@ApplicationScoped
public class PasswordHasher {

    private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;

    private final Vertx vertx;
    private final int cost;
    private final Counter hashes;
    private volatile String dummyHash;

    public PasswordHasher(Vertx vertx, TidingsConfig config, MeterRegistry registry) {
        this.vertx = vertx;
        this.cost = Math.max(10, config.auth().bcryptCost());
        this.hashes = Counter.builder("tidings.password.hashes")
                .description(
                        "New password hashes computed (sign-ups, resets): the CPU an anonymous client can make us spend")
                .register(registry);
    }

    /** A hash of nothing in particular, so checking an unknown account costs the same as a known one. */
    void prepare(@Observes StartupEvent event) {
        dummyHash = hashNow("not-a-real-password-" + System.nanoTime());
    }

    public Uni<String> hash(String password) {
        return vertx.executeBlocking(
                Uni.createFrom().item(() -> {
                    hashes.increment();
                    return hashNow(password);
                }),
                false);
    }

    /** Checks {@code password} against {@code hash}, or against a dummy hash when it is null. */
    public Uni<Boolean> matches(String password, String hash) {
        boolean real = hash != null;
        String against = real ? hash : dummyHash;
        return vertx.executeBlocking(Uni.createFrom().item(() -> verifyNow(password, against) && real), false);
    }

    private String hashNow(String password) {
        return BCrypt.with(LongPasswordStrategies.hashSha512(VERSION)).hashToString(cost, password.toCharArray());
    }

    private static boolean verifyNow(String password, String hash) {
        return BCrypt.verifyer(VERSION, LongPasswordStrategies.hashSha512(VERSION))
                .verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8))
                .verified;
    }
}
