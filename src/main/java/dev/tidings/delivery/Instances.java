package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The owner of {@code delivery_instance}: this instance's heartbeat, and who else is alive. Every
 * {@code heartbeat-every} the row's {@code beat_at} moves on, with the consumer's lag and the state
 * the delivery view shows (throttled domains, relays). An instance whose beat is older than
 * {@code dead-after} is taken for dead and the dispatcher hands its claims to the others at once; a
 * live instance keeps its claims however long they take (its beat renews them), so a slow or
 * briefly paused instance is not robbed. An instance that could not beat for nearly that long
 * stops sending what it holds ({@link #holdsClaims}): the others may be taking it over.
 */
@ApplicationScoped
public class Instances {

    private static final Logger LOG = Logger.getLogger(Instances.class);

    /** A live instance as the delivery view shows it. */
    record Live(UUID id, String host, Instant beatAt, JsonObject state) {}

    private final UUID id = UUID.randomUUID();
    private final Pool pool;
    private final Duration every;
    private final Duration deadAfter;
    private final String host;
    private volatile long lastBeat = System.nanoTime();
    /** Set as the instance signs off at shutdown; from then on it neither beats nor sweeps. */
    private volatile boolean left;

    private volatile Supplier<Long> lag = () -> 0L;
    private final RateLimits limits;
    private final Relays relays;

    public Instances(Pool pool, TidingsConfig config, RateLimits limits, Relays relays) {
        this.pool = pool;
        this.limits = limits;
        this.relays = relays;
        this.every = config.delivery().heartbeatEvery();
        this.deadAfter = config.delivery().deadAfter();
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            name = "instance";
        }
        this.host = name.length() > 200 ? name.substring(0, 200) : name;
    }

    /** True once this instance has signed off at shutdown: its periodic work stops. */
    boolean hasLeft() {
        return left;
    }

    /**
     * Skips a scheduled task once this instance has signed off ({@code skipExecutionIf}): the other
     * replicas carry on, and the database pool is about to close.
     */
    @jakarta.inject.Singleton
    static class SignedOff implements io.quarkus.scheduler.Scheduled.SkipPredicate {

        private final Instances instances;

        SignedOff(Instances instances) {
            this.instances = instances;
        }

        @Override
        public boolean test(io.quarkus.scheduler.ScheduledExecution execution) {
            return instances.hasLeft();
        }
    }

    /**
     * A periodic task's failure: a warning while the instance runs, a debug line once it has signed
     * off (the database pool closes under the last runs; that is not worth an operator's attention).
     */
    void warnUnlessLeft(Logger log, String format, Throwable failure) {
        if (left) {
            log.debugf(format, failure.getMessage());
        } else {
            log.warnf(format, failure.getMessage());
        }
    }

    /** This instance, as claims name it. */
    public UUID id() {
        return id;
    }

    /** The consumer's lag (milliseconds behind the send-jobs topic), reported with each beat. */
    void reportLag(Supplier<Long> lagMillis) {
        this.lag = lagMillis;
    }

    /**
     * What the delivery view shows of this instance: the domains it throttles (rate, since, last
     * reply, the issues that met the throttle) and its relays' health and counts.
     */
    JsonObject state() {
        io.vertx.core.json.JsonArray domains = new io.vertx.core.json.JsonArray();
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        for (DomainThrottle.View v : limits.throttled()) {
            domains.add(new JsonObject()
                    .put("domain", v.domain())
                    .put("rate", Math.round(v.rate() * 100) / 100.0)
                    .put("ceiling", Math.round(v.ceiling() * 100) / 100.0)
                    .put("since", now.minusNanos(nowNanos - v.sinceNanos()).toString())
                    .put("lastReply", v.lastReply())
                    .put(
                            "issues",
                            new io.vertx.core.json.JsonArray(
                                    v.issues().stream().map(UUID::toString).toList())));
        }
        io.vertx.core.json.JsonArray relayStates = new io.vertx.core.json.JsonArray();
        for (Relays.Relay r : relays.all()) {
            relayStates.add(new JsonObject()
                    .put("name", r.name())
                    .put("healthy", relays.healthy(r))
                    .put("sent", r.sent.sum())
                    .put("faults", r.faults.sum())
                    .put("lastFault", r.lastFault()));
        }
        return new JsonObject().put("throttled", domains).put("relays", relayStates);
    }

    /** Registered before the consumer claims anything (it observes the start later). */
    void register(@Observes @Priority(10) StartupEvent event) {
        beat().await().atMost(Duration.ofSeconds(30));
        LOG.infof("delivery instance %s (%s) started", id, host);
    }

    /**
     * The heartbeat: insert-or-update this instance's row; nothing once the instance has signed off
     * (the scheduler fires until the app has stopped, and a late beat would bring a row marked dead,
     * or deleted, back to life: its claims would then wait for dead-after instead of being taken).
     */
    Uni<Void> beat() {
        if (left) {
            return Uni.createFrom().voidItem();
        }
        long started = System.nanoTime();
        return pool.preparedQuery(
                        """
                        INSERT INTO delivery_instance (id, host, beat_at, lag_ms, state) VALUES ($1, $2, now(), $3, $4)
                        ON CONFLICT (id) DO UPDATE SET beat_at = now(), lag_ms = $3, state = $4
                        """)
                .execute(Tuple.of(id, host, lag.get(), state()))
                .invoke(x -> lastBeat = started)
                .replaceWithVoid();
    }

    @io.quarkus.scheduler.Scheduled(
            every = "${tidings.delivery.heartbeat-every}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> heartbeat() {
        return beat().onFailure()
                .invoke(e -> warnUnlessLeft(LOG, "heartbeat failed: %s", e))
                .onFailure()
                .recoverWithNull();
    }

    /**
     * Whether this instance may still send what it claimed: its last heartbeat is recent enough
     * that nobody takes it for dead. After a long pause (SIGSTOP, a frozen VM) it is not, and its
     * claims go back untried until the next beat.
     */
    boolean holdsClaims() {
        return System.nanoTime() - lastBeat < deadAfter.minus(every).toNanos();
    }

    /** Instances whose heartbeat stopped longer than {@code dead-after} ago. */
    Uni<List<UUID>> dead() {
        return ids("SELECT id FROM delivery_instance WHERE beat_at < now() - make_interval(secs => $1)");
    }

    /** Instances alive now. */
    Uni<List<UUID>> live() {
        return ids("SELECT id FROM delivery_instance WHERE beat_at >= now() - make_interval(secs => $1)");
    }

    /** The largest lag of a live consumer, in milliseconds (0 when they keep up). */
    Uni<Long> maxLag() {
        return pool.preparedQuery("SELECT coalesce(max(lag_ms), 0) AS lag FROM delivery_instance"
                        + " WHERE beat_at >= now() - make_interval(secs => $1)")
                .execute(Tuple.of((double) deadAfter.toSeconds()))
                .map(rows -> rows.iterator().next().getLong("lag"));
    }

    /** Live instances with their state, for the delivery view. */
    Uni<List<Live>> states() {
        return pool.preparedQuery("SELECT id, host, beat_at, state FROM delivery_instance"
                        + " WHERE beat_at >= now() - make_interval(secs => $1) ORDER BY started_at, id")
                .execute(Tuple.of((double) deadAfter.toSeconds()))
                .map(rows -> {
                    List<Live> live = new ArrayList<>();
                    for (Row r : rows) {
                        live.add(new Live(
                                r.getUUID("id"),
                                r.getString("host"),
                                r.getOffsetDateTime("beat_at").toInstant(),
                                (JsonObject) r.getValue("state")));
                    }
                    return live;
                });
    }

    /** Rows of instances dead for a day with no claim left are removed. */
    Uni<Void> forgetLongDead() {
        return pool.query(
                        """
                        DELETE FROM delivery_instance d WHERE beat_at < now() - interval '1 day'
                          AND NOT EXISTS (SELECT 1 FROM send s WHERE s.status = 'sending' AND s.claimed_by = d.id)
                        """)
                .execute()
                .replaceWithVoid();
    }

    /**
     * Leaving: with claims still open (the grace period ran out) the instance marks itself dead so
     * that they are handed over at once; otherwise its row goes.
     */
    void leave(boolean claimsLeft) {
        left = true;
        String sql = claimsLeft
                ? "UPDATE delivery_instance SET beat_at = '-infinity' WHERE id = $1"
                : "DELETE FROM delivery_instance WHERE id = $1";
        try {
            pool.preparedQuery(sql).execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warnf("could not sign this instance off: %s", e.getMessage());
        }
    }

    private Uni<List<UUID>> ids(String sql) {
        return pool.preparedQuery(sql)
                .execute(Tuple.of((double) deadAfter.toSeconds()))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getUUID("id")));
                    return ids;
                });
    }
}
