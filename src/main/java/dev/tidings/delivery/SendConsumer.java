package dev.tidings.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes send jobs from Kafka, in named steps: consume a record → claim its still-queued sends
 * ({@link DeliveryStore#claim}) once there is room → deliver each ({@link Deliverer}) → record its
 * outcome ({@link OutcomeWriter}, batched) → acknowledge the record once its last outcome is
 * stored, so its offset is committed only then. Up to {@code in-flight} mails are under way at
 * once, pulled through a bounded reactive pipeline (no thread per mail).
 */
@ApplicationScoped
public class SendConsumer {

    private static final Logger LOG = Logger.getLogger(SendConsumer.class);

    /** Records being claimed at once (each claim is one statement for a job's sends). */
    static final int CLAIMS_IN_FLIGHT = 4;

    /**
     * The most sends one instance holds claimed (and so the most an abrupt kill can leave to be
     * sent again): the claim bound ({@link #claimBound}) plus the records being claimed at once.
     * The restart test and the chaos harness check duplicates against it.
     */
    public static int maxClaimed(int inFlight, int jobSize) {
        return claimBound(inFlight, jobSize) + CLAIMS_IN_FLIGHT * jobSize;
    }

    /**
     * A claim waits while this many sends are claimed and not yet recorded: four times {@code
     * in-flight} plus two jobs. Without it, claims would run far ahead of a rate-limited sender and
     * leases could expire on sends still waiting their turn.
     */
    static int claimBound(int inFlight, int jobSize) {
        return 4 * inFlight + 2 * jobSize;
    }

    /**
     * One record and its claimed sends: the record is acknowledged when the last one is recorded.
     * The one place that tracks acknowledgement; {@link #open} counts what all jobs hold.
     */
    private final class Job {
        final Message<String> message;
        final Deliverer.IssueContext context;
        final List<Claimed> sends;
        private final AtomicInteger remaining;

        Job(Message<String> message, Deliverer.IssueContext context, List<Claimed> sends) {
            this.message = message;
            this.context = context;
            this.sends = sends;
            this.remaining = new AtomicInteger(sends.size());
            open.addAndGet(sends.size());
        }

        void settled() {
            open.decrementAndGet();
            if (remaining.decrementAndGet() == 0) {
                message.ack();
            }
        }
    }

    private record Task(Job job, Claimed send) {}

    private final Multi<Message<String>> jobs;
    private final ObjectMapper json;
    private final DeliveryStore store;
    private final OutcomeWriter outcomes;
    private final Deliverer deliverer;
    private final DeliveryMetrics metrics;
    private final TidingsConfig.Delivery config;
    private final Instances instances;
    /** Sends claimed by this instance and not yet recorded. */
    private final AtomicInteger open = new AtomicInteger();
    /** The Kafka timestamp of the last record read, and when it was read (for the lag). */
    private volatile long lastRecordAt;

    private volatile long lastReadAt;

    private volatile boolean draining;
    private Cancellable subscription;

    public SendConsumer(
            @Channel("send-jobs") Multi<Message<String>> jobs,
            ObjectMapper json,
            DeliveryStore store,
            OutcomeWriter outcomes,
            Deliverer deliverer,
            DeliveryMetrics metrics,
            Instances instances,
            TidingsConfig config) {
        this.jobs = jobs;
        this.json = json;
        this.store = store;
        this.outcomes = outcomes;
        this.deliverer = deliverer;
        this.metrics = metrics;
        this.config = config.delivery();
        this.instances = instances;
        instances.reportLag(this::lagMillis);
    }

    /**
     * How far behind the topic this consumer is: the age of the last record it read, while it has
     * work (sends open, or a record read in the last two seconds); 0 when idle. A consumer stuck
     * behind its claim bound reads nothing, and its lag grows as it should.
     */
    long lagMillis() {
        long now = System.currentTimeMillis();
        if (open.get() == 0 && now - lastReadAt > 2000) {
            return 0;
        }
        return lastRecordAt == 0 ? 0 : Math.max(0, now - lastRecordAt);
    }

    void start(@Observes StartupEvent event) {
        subscription = jobs.onItem()
                .transformToUni(this::claim)
                .merge(CLAIMS_IN_FLIGHT)
                .onItem()
                .transformToMultiAndConcatenate(
                        job -> Multi.createFrom().iterable(job.sends).map(send -> new Task(job, send)))
                .onItem()
                .transformToUni(task ->
                        deliverer.deliver(task.send(), task.job().context).invoke(outcome -> record(task, outcome)))
                .merge(config.inFlight())
                .subscribe()
                .with(ignored -> {}, failure -> LOG.errorf(failure, "the send-job pipeline stopped"));
    }

    /** Reads a record and claims its sends; an unreadable record goes to the dead-letter topic. */
    private Uni<Job> claim(Message<String> message) {
        lastReadAt = System.currentTimeMillis();
        message.getMetadata(io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata.class)
                .ifPresent(meta -> lastRecordAt = meta.getTimestamp().toEpochMilli());
        SendJob job;
        try {
            job = json.readValue(message.getPayload(), SendJob.class);
            if (job.issueId() == null || job.sendIds() == null || job.sendIds().isEmpty()) {
                throw new IllegalArgumentException("a send job needs issueId and sendIds");
            }
        } catch (Exception e) {
            LOG.warnf("unreadable send job sent to the dead-letter topic: %s", e.getMessage());
            return Uni.createFrom().completionStage(message.nack(e)).replaceWith(empty(message));
        }
        if (draining) {
            // Not acknowledged: the record is delivered again to whoever owns the partition next.
            return Uni.createFrom().item(empty(message));
        }
        return roomToClaim()
                .flatMap(room -> store.claim(job.issueId(), job.sendIds(), config.lease(), instances.id()))
                .onFailure()
                .retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .atMost(20)
                .flatMap(claimed -> {
                    if (claimed.isEmpty()) {
                        // Already done, taken by another instance, paused or cancelled: nothing to do.
                        return Uni.createFrom().completionStage(message.ack()).replaceWith(empty(message));
                    }
                    return deliverer.context(job.issueId()).map(context -> new Job(message, context, claimed));
                })
                .onFailure()
                .recoverWithItem(failure -> {
                    // Not acknowledged: its sends are still queued, and only this record names them.
                    // It is read again after a rebalance or restart (the channel turns unhealthy once
                    // it is older than unprocessed-record-max-age).
                    LOG.errorf("could not claim sends of issue %s: %s", job.issueId(), failure.getMessage());
                    return empty(message);
                });
    }

    /** Claims stay just ahead of sending: a claim waits while {@link #claimBound} sends are open. */
    private Uni<Void> roomToClaim() {
        int limit = claimBound(config.inFlight(), config.jobSize());
        return Uni.createFrom()
                .voidItem()
                .onItem()
                .transformToUni(x -> open.get() < limit
                        ? Uni.createFrom().voidItem()
                        : Uni.createFrom().<Void>failure(new NoRoomYet()))
                .onFailure(NoRoomYet.class)
                .retry()
                .withBackOff(Duration.ofMillis(5), Duration.ofMillis(50))
                .indefinitely();
    }

    private static final class NoRoomYet extends RuntimeException {
        NoRoomYet() {
            super(null, null, false, false);
        }
    }

    private Job empty(Message<String> message) {
        return new Job(message, null, List.of());
    }

    /**
     * Records the outcome (batched) and acknowledges the record once its last outcome is stored.
     * This runs beside the pipeline: the in-flight slot is free as soon as the SMTP server has
     * answered, and the claim bound keeps unrecorded outcomes in check.
     */
    private void record(Task task, Outcome outcome) {
        metrics.outcome(outcome.status());
        outcomes.record(outcome).subscribe().with(stored -> task.job().settled(), failure -> {
            LOG.errorf(
                    "outcome of send %s not stored (%s); its lease will expire and it is retried",
                    outcome.sendId(), failure.getMessage());
            task.job().settled();
        });
    }

    /**
     * SIGTERM: stop claiming (new records stay unacknowledged and go to whoever owns the partition
     * next), let claimed sends finish within the grace period, then stop.
     */
    void drain(@Observes @Priority(1) ShutdownEvent event) {
        draining = true;
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (open.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (open.get() > 0) {
            LOG.warnf(
                    "%d claimed sends still open at shutdown; this instance signs off as dead so that another"
                            + " takes them at once",
                    open.get());
        }
        instances.leave(open.get() > 0);
        if (subscription != null) {
            subscription.cancel();
        }
    }
}
