package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import dev.tidings.delivery.IssueLifecycle.DispatchState;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Turns published issues into send records and Kafka jobs, and keeps them moving. Every step is one
 * PostgreSQL transaction that locks what it works on (the issue row through {@link IssueLifecycle},
 * {@code SKIP LOCKED}). A planning step commits its batch and cursor, then puts the jobs on Kafka
 * and records that it did: a batch whose planner died in between is put on Kafka again by the next
 * planner (a job on Kafka twice is harmless); nothing is lost either way. Any number of replicas
 * run it; they share the work instead of repeating it. The issue's columns are written by {@link
 * IssueLifecycle}, the send records by {@link DeliveryStore}; this class only sequences them.
 *
 * <ul>
 *   <li>plan: walk the audience (active at publish time) in (created_at, id) order, {@code
 *       plan-batch} subscribers per step: insert their queued sends, put them on Kafka;
 *   <li>reproduce: a batch planned but not on Kafka after {@value #REPRODUCE_AFTER_SECONDS} s;
 *   <li>requeue: after resume, put the issue's queued sends on Kafka again;
 *   <li>retry: sends whose retry is due go back onto Kafka;
 *   <li>reclaim: the claims of an instance whose heartbeat stopped ({@link Instances}) go back onto
 *       Kafka at once; a live instance keeps its claims;
 *   <li>redispatch: sends put on Kafka that no consumer claimed within the redispatch window
 *       (twice the consumers' lag, at least {@code redispatch-after}) go onto Kafka again: their
 *       record was lost with the broker, or never acknowledged;
 *   <li>schedule: scheduled issues that are due start sending, once;
 *   <li>finish: a sending issue with nothing queued, sending or retrying left is sent.
 * </ul>
 *
 * Once this instance has signed off at shutdown ({@link Instances#hasLeft}) none of it runs here
 * any more ({@link Instances.SignedOff}): the other replicas carry on, and the database pool is
 * about to close.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    /** The keyset cursor before any subscriber: planning starts here. */
    static final OffsetDateTime BEFORE_ALL = OffsetDateTime.parse("1970-01-01T00:00:00Z");

    static final UUID NO_ID = new UUID(0, 0);
    /**
     * A batch committed but not on Kafka this long after is taken to be interrupted (its planner
     * died) and produced again by whoever plans next; a live planner is done in milliseconds.
     */
    static final int REPRODUCE_AFTER_SECONDS = 10;

    /** What a planning step does for the issue it locked: the dispatcher's steps, decided from its state. */
    enum Step {
        /** A batch was committed but may not have reached Kafka: put it on Kafka again. */
        REPRODUCE,
        /** Resumed after a pause: put the queued sends on Kafka again. */
        REQUEUE,
        /** Create the next batch of send records. */
        PLAN;

        static Step of(DispatchState state) {
            if (!Objects.equals(state.plannedUpto(), state.producedUpto())) {
                return REPRODUCE;
            }
            return state.requeue() ? REQUEUE : PLAN;
        }
    }

    private final Pool pool;
    private final IssueLifecycle issues;
    private final DeliveryStore sends;
    private final SendJobProducer producer;
    private final Instances instances;
    private final java.time.Duration redispatchAfter;
    private final int planBatch;
    private final AtomicBoolean planning = new AtomicBoolean();
    /** Set by every kick; a plan loop that sees it runs one more step, so no kick is lost. */
    private final AtomicBoolean kicked = new AtomicBoolean();

    public Dispatcher(
            Pool pool,
            IssueLifecycle issues,
            DeliveryStore sends,
            SendJobProducer producer,
            Instances instances,
            TidingsConfig config) {
        this.pool = pool;
        this.instances = instances;
        this.redispatchAfter = config.delivery().redispatchAfter();
        this.issues = issues;
        this.sends = sends;
        this.producer = producer;
        this.planBatch = config.delivery().planBatch();
    }

    /** Plans now instead of at the next tick (after a publish or resume on this instance). */
    public void kick() {
        plan();
    }

    @Scheduled(
            every = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Instances.SignedOff.class)
    void tick() {
        plan();
    }

    /**
     * Runs plan steps back to back until there is nothing left to plan; one loop per instance. A
     * kick during a loop (a publish whose transaction committed after the loop's last look) makes
     * the loop look again rather than being dropped until the next tick.
     */
    private void plan() {
        if (instances.hasLeft()) {
            return; // shutting down: the other instances plan
        }
        kicked.set(true);
        if (!planning.compareAndSet(false, true)) {
            return;
        }
        Uni.createFrom()
                .deferred(() -> {
                    kicked.set(false);
                    return planStep();
                })
                .repeat()
                .until(worked -> !worked && !kicked.get())
                .collect()
                .last()
                .eventually(() -> {
                    planning.set(false);
                    if (kicked.get()) {
                        plan();
                    }
                })
                .subscribe()
                .with(x -> {}, failure -> instances.warnUnlessLeft(LOG, "planning stopped: %s", failure));
    }

    /** What a planning transaction committed, to put on Kafka after it. */
    private record Committed(boolean worked, UUID issueId, List<UUID> sends, OffsetDateTime lastAt, UUID lastId) {
        static final Committed NONE = new Committed(false, null, List.of(), null, null);
        static final Committed WORKED = new Committed(true, null, List.of(), null, null);
    }

    /**
     * One step of planning, reproducing or requeueing for one issue; true if there was work. Send
     * records are put on Kafka only after the transaction that creates them has committed, so a
     * consumer never gets a job for a send it cannot see yet.
     */
    Uni<Boolean> planStep() {
        return pool.withTransaction(conn -> issues.nextToDispatch(conn, REPRODUCE_AFTER_SECONDS)
                        .flatMap(state -> {
                            if (state == null) {
                                return Uni.createFrom().item(Committed.NONE);
                            }
                            return switch (Step.of(state)) {
                                case REPRODUCE -> reproduce(conn, state).replaceWith(Committed.WORKED);
                                case REQUEUE -> requeue(conn, state).replaceWith(Committed.WORKED);
                                case PLAN -> planNext(conn, state);
                            };
                        }))
                .flatMap(step -> step.sends().isEmpty()
                        ? Uni.createFrom().item(step.worked())
                        : producer.produce(step.issueId(), step.sends())
                                .flatMap(x -> issues.produced(step.issueId(), step.lastAt(), step.lastId()))
                                .replaceWith(true));
    }

    private Uni<Committed> planNext(SqlConnection conn, DispatchState state) {
        UUID issueId = state.issueId();
        return sends.plan(
                        conn,
                        issueId,
                        state.newsletterId(),
                        state.publishedAt(),
                        Objects.requireNonNullElse(state.plannedUptoAt(), BEFORE_ALL),
                        Objects.requireNonNullElse(state.plannedUpto(), NO_ID),
                        planBatch,
                        state.audience())
                .flatMap(planned -> {
                    if (planned.subscribers() == 0) {
                        return issues.planningDone(conn, issueId).replaceWith(Committed.WORKED);
                    }
                    return issues.planned(conn, issueId, planned.lastAt(), planned.lastId())
                            .replaceWith(
                                    new Committed(true, issueId, planned.sends(), planned.lastAt(), planned.lastId()));
                });
    }

    /**
     * The batch between the produced and the planned cursor was committed but maybe never reached
     * Kafka (the dispatcher died in between): put its queued sends on Kafka again.
     */
    private Uni<Void> reproduce(SqlConnection conn, DispatchState state) {
        UUID issueId = state.issueId();
        return sends.queuedBetween(
                        conn,
                        issueId,
                        state.producedUptoAt(),
                        state.producedUpto(),
                        state.plannedUptoAt(),
                        state.plannedUpto())
                .flatMap(ids -> {
                    LOG.infof(
                            "putting %d sends of issue %s on Kafka again after an interrupted dispatch",
                            ids.size(), issueId);
                    return producer.produce(issueId, ids);
                })
                .flatMap(x -> issues.reproduced(conn, issueId));
    }

    /** After resume: the issue's queued sends (committed long ago) go on Kafka again, a batch per step. */
    private Uni<Void> requeue(SqlConnection conn, DispatchState state) {
        UUID issueId = state.issueId();
        return sends.queuedAfter(conn, issueId, state.requeueUpto(), planBatch).flatMap(ids -> {
            boolean more = ids.size() == planBatch;
            UUID last = ids.isEmpty() ? null : ids.get(ids.size() - 1);
            return producer.produce(issueId, ids).flatMap(x -> issues.requeued(conn, issueId, more, last));
        });
    }

    /** Sends whose retry is due go on Kafka (only for issues that are sending, not paused). */
    @Scheduled(
            every = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Instances.SignedOff.class)
    Uni<Void> retryDue() {
        return sweep(DeliveryStore.Sweep.RETRY_DUE, null);
    }

    /**
     * The nets for what a crash or a broker restart left behind, in order: the claims of instances
     * taken for dead, claims whose lease ran out held by no live instance, and sends on Kafka that
     * nobody claimed within the redispatch window.
     */
    @Scheduled(
            every = "${tidings.delivery.reclaim-every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Instances.SignedOff.class)
    Uni<Void> reclaimExpired() {
        return instances
                .dead()
                .flatMap(dead -> dead.isEmpty()
                        ? Uni.createFrom().voidItem()
                        : sweep(DeliveryStore.Sweep.DEAD_INSTANCE, dead.toArray(UUID[]::new)))
                .flatMap(x -> instances.live())
                .flatMap(live -> sweep(DeliveryStore.Sweep.LEASE_EXPIRED, live.toArray(UUID[]::new)))
                .flatMap(x -> instances.maxLag())
                .flatMap(lag -> sweep(DeliveryStore.Sweep.UNCLAIMED, (double)
                        redispatchWindow(lag).toSeconds()))
                .onFailure()
                .recoverWithNull();
    }

    /** At least {@code redispatch-after}; twice the consumers' lag when they are behind. */
    java.time.Duration redispatchWindow(long lagMillis) {
        java.time.Duration twice = java.time.Duration.ofMillis(2 * lagMillis);
        return twice.compareTo(redispatchAfter) > 0 ? twice : redispatchAfter;
    }

    /** Forgets instances dead for a day and relay windows long over. */
    @Scheduled(
            every = "1h",
            delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Instances.SignedOff.class)
    Uni<Void> tidy() {
        return instances.forgetLongDead().onFailure().recoverWithNull();
    }

    private Uni<Void> sweep(DeliveryStore.Sweep which, Object parameter) {
        return sends.sweep(which, parameter)
                .flatMap(swept -> {
                    if (!swept.isEmpty() && which != DeliveryStore.Sweep.RETRY_DUE) {
                        LOG.infof("putting %d sends on Kafka again (%s)", swept.size(), which);
                    }
                    return produceByIssue(swept)
                            // Kafka did not take them (a broker restart, say): the redispatch net
                            // takes them again at once.
                            .onFailure()
                            .call(() -> sends.dueNow(swept.stream()
                                    .map(DeliveryStore.Swept::sendId)
                                    .toList()));
                })
                .onFailure()
                .invoke(failure -> instances.warnUnlessLeft(LOG, "sweep failed: %s", failure))
                .onFailure()
                .recoverWithNull();
    }

    private Uni<Void> produceByIssue(List<DeliveryStore.Swept> swept) {
        Map<UUID, List<UUID>> byIssue = new LinkedHashMap<>();
        for (DeliveryStore.Swept s : swept) {
            byIssue.computeIfAbsent(s.issueId(), k -> new ArrayList<>()).add(s.sendId());
        }
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<UUID, List<UUID>> entry : byIssue.entrySet()) {
            all = all.flatMap(x -> producer.produce(entry.getKey(), entry.getValue()));
        }
        return all;
    }

    /** Scheduled issues that are due start sending, exactly once whichever replica gets there. */
    @Scheduled(
            every = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Instances.SignedOff.class)
    Uni<Void> startDue() {
        return issues.startDue()
                .invoke(started -> {
                    if (started > 0) {
                        LOG.infof("started %d scheduled issue(s)", started);
                        kick();
                    }
                })
                .replaceWithVoid()
                .onFailure()
                .recoverWithNull();
    }

    /** An issue with every send settled is sent. */
    @Scheduled(
            every = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Instances.SignedOff.class)
    Uni<Void> finish() {
        return issues.finishSettled().onFailure().recoverWithNull();
    }
}
