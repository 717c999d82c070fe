package dev.tidings.subscriber;

import dev.tidings.common.MailQuotas;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Units;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.csv.CSVParser;
import org.jboss.logging.Logger;

/**
 * CSV imports as background jobs. The upload is streamed to a temporary file (never held in
 * memory, at most {@code tidings.import.max-size}), its header checked, and the job then runs on a
 * small pool of its own with a bounded queue, reporting progress in {@code subscriber_import}
 * after every batch. One import runs per account at a time (a unique index on the running row).
 */
@ApplicationScoped
public class ImportService {

    private static final Logger LOG = Logger.getLogger(ImportService.class);
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(30);

    private final ImportRepository imports;
    private final SubscriberRepository subscribers;
    private final NewsletterDirectory newsletters;
    private final SubscriberMails mails;
    private final Suppressions suppressions;
    private final MailQuotas quotas;
    private final TidingsConfig.Import config;
    private final ThreadPoolExecutor workers;
    /** This instance's imports from claim to end (uploading, waiting, running): kept alive by {@link #heartbeat}. */
    private final Set<UUID> live = ConcurrentHashMap.newKeySet();

    public ImportService(
            ImportRepository imports,
            SubscriberRepository subscribers,
            NewsletterDirectory newsletters,
            SubscriberMails mails,
            Suppressions suppressions,
            MailQuotas quotas,
            TidingsConfig config) {
        this.imports = imports;
        this.subscribers = subscribers;
        this.newsletters = newsletters;
        this.mails = mails;
        this.suppressions = suppressions;
        this.quotas = quotas;
        this.config = config.importing();
        AtomicInteger count = new AtomicInteger();
        // Two imports run at once on this instance; a bounded number wait; more are refused (503).
        this.workers = new ThreadPoolExecutor(
                2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(Math.max(1, this.config.queue())), r -> {
                    Thread thread = new Thread(r, "subscriber-import-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Blocking: runs on a worker thread of the request. The account's one import slot is taken
     * first (a second upload is refused before its body is read), then the body is streamed to a
     * temporary file under {@code tidings.import.max-size}, its header checked, and the job queued.
     */
    public SubscriberImport start(UUID accountId, UUID newsletterId, InputStream body, String asStatus) {
        SubscriberStatus status = asStatus == null || asStatus.isBlank()
                ? SubscriberStatus.ACTIVE
                : SubscriberStatus.parse(asStatus, "status");
        if (status != SubscriberStatus.ACTIVE && status != SubscriberStatus.PENDING) {
            throw ProblemException.invalid("status", "must be active or pending");
        }
        NewsletterDirectory.Ref newsletter =
                newsletters.owned(accountId, newsletterId).await().atMost(LOOKUP_TIMEOUT);
        SubscriberImport created = claim(accountId, newsletterId, status);
        live.add(created.id());
        Path file = null;
        try {
            Spooled spooled = spool(body, config.maxSize().asLongValue(), config.maxUploadTime());
            file = spooled.file();
            checkHeader(file, config.maxLineLength());
            imports.expect(created.id(), spooled.dataLines()).await().atMost(LOOKUP_TIMEOUT);
            ImportJob job = new ImportJob(
                    imports,
                    subscribers,
                    mails,
                    suppressions,
                    quotas,
                    newsletter,
                    created.id(),
                    file,
                    status,
                    config.maxLineLength());
            workers.execute(() -> {
                try {
                    job.run();
                } finally {
                    live.remove(created.id());
                }
            });
            return created;
        } catch (RejectedExecutionException e) {
            deleteQuietly(file);
            release(created.id(), "Too many imports were waiting; upload the file again in a minute");
            throw ProblemException.serviceUnavailable(
                    "imports-busy",
                    "Too many imports are waiting on this server; try again in a minute",
                    Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            deleteQuietly(file);
            release(created.id(), null);
            throw e;
        }
    }

    /** The account's one running import: a row in 'running', unique per account (409 otherwise). */
    private SubscriberImport claim(UUID accountId, UUID newsletterId, SubscriberStatus status) {
        try {
            return imports.claim(accountId, newsletterId, status).await().atMost(LOOKUP_TIMEOUT);
        } catch (RuntimeException e) {
            if (!SubscriberService.isUniqueViolation(e)) {
                throw e;
            }
            UUID running = imports.running(accountId).await().atMost(LOOKUP_TIMEOUT);
            ProblemException conflict = ProblemException.conflict(
                    "import-running",
                    "An import of this account is still running; wait until it is done (GET its status), then"
                            + " upload the next file");
            if (running != null) {
                conflict.with("importId", running.toString());
            }
            throw conflict;
        }
    }

    /** An upload that never became a job: removed, or kept as failed with a reason. */
    private void release(UUID importId, String failedBecause) {
        live.remove(importId);
        try {
            (failedBecause == null ? imports.delete(importId) : imports.finish(importId, "failed", failedBecause))
                    .await()
                    .atMost(LOOKUP_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warnf("could not release import %s (%s); it is failed after two minutes", importId, e.getMessage());
        }
    }

    public Uni<SubscriberImport> find(UUID accountId, UUID newsletterId, UUID importId) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> imports.find(newsletterId, importId))
                .map(found -> {
                    if (found == null) {
                        throw ProblemException.notFound("This import");
                    }
                    return found;
                });
    }

    /**
     * An import whose replica died stops reporting progress; after two minutes of silence it is
     * marked failed, so nobody waits forever. Uploading the file again is safe: existing
     * subscribers are updated, never duplicated.
     */
    @Scheduled(every = "1m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> failAbandoned() {
        return imports.failAbandoned();
    }

    /**
     * An import of a live instance is never taken for abandoned, however slow its upload or long
     * its wait for a worker: every {@code tidings.import.heartbeat-every} its row is marked alive.
     */
    @Scheduled(every = "${tidings.import.heartbeat-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> heartbeat() {
        return live.isEmpty() ? Uni.createFrom().voidItem() : imports.keepAlive(List.copyOf(live));
    }

    void stop(@Observes ShutdownEvent event) {
        workers.shutdownNow();
    }

    /**
     * Streams the upload to a temporary file, refusing it once it passes {@code limit} bytes (413)
     * or takes longer than {@code maxTime} (408: a trickled upload would hold a worker thread).
     */
    /** The spooled upload and its lines after the header (a last line without a line break counts). */
    record Spooled(Path file, int dataLines) {}

    private static Spooled spool(InputStream body, long limit, Duration maxTime) {
        Path file = null;
        long breaks = 0;
        byte last = '\n';
        long deadline = System.nanoTime() + maxTime.toNanos();
        try {
            file = Files.createTempFile("tidings-import-", ".csv");
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                for (int n = body.read(buffer); n != -1; n = body.read(buffer)) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new ProblemException(
                                408,
                                "upload-too-slow",
                                "Upload too slow",
                                "A CSV upload may take at most " + Units.duration(maxTime)
                                        + "; upload it from a faster connection, or in parts");
                    }
                    total += n;
                    if (total > limit) {
                        throw new ProblemException(
                                413,
                                "body-too-large",
                                "Request body too large",
                                "A CSV import may be at most " + Units.bytes(limit)
                                        + "; split the file and import the parts one after the other");
                    }
                    out.write(buffer, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n') {
                            breaks++;
                        }
                    }
                    last = buffer[n - 1];
                }
            }
            long lines = breaks + (last == '\n' ? 0 : 1);
            return new Spooled(file, (int) Math.min(Integer.MAX_VALUE, Math.max(0, lines - 1)));
        } catch (IOException e) {
            deleteQuietly(file);
            throw ProblemException.badRequest(
                    "upload-failed", "Upload failed", "The upload could not be read completely");
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /**
     * The file must have a header naming an email column, no longer than a line may be: else 400
     * before any job starts. Read through the same bounded reader as the job's, so that a header
     * whose quote never closes is not read to the end of the file.
     */
    private static void checkHeader(Path file, int maxLineLength) {
        try (BoundedCsvReader reader = new BoundedCsvReader(ImportJob.open(file), maxLineLength);
                CSVParser parser = CsvColumns.IMPORT.parse(reader)) {
            if (reader.cutLineWithin(1, Math.max(1, parser.getCurrentLineNumber())) >= 0) {
                throw ProblemException.badRequest(
                        "csv-header", "Invalid CSV", "The header line is longer than " + maxLineLength + " characters");
            }
            boolean hasEmail =
                    parser.getHeaderNames().stream().map(CsvColumns::normalise).anyMatch(CsvColumns.EMAIL::equals);
            if (!hasEmail) {
                throw ProblemException.badRequest(
                        "csv-header",
                        "Invalid CSV",
                        "The first line must be a header with an 'email' column, e.g. email,name,city");
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw ProblemException.badRequest("csv-header", "Invalid CSV", "The header line cannot be read as CSV");
        }
    }

    static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debugf("could not delete %s", file);
        }
    }
}
