package dev.tidings.subscriber;

import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.ProblemException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.csv.CSVParser;
import org.jboss.logging.Logger;

/**
 * CSV imports as background jobs. The upload is streamed to a temporary file (never held in
 * memory), its header checked, and the job then runs on a small pool of its own, reporting
 * progress in {@code subscriber_import} after every batch.
 */
@ApplicationScoped
public class ImportService {

    private static final Logger LOG = Logger.getLogger(ImportService.class);
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(30);

    private final Pool pool;
    private final NewsletterDirectory newsletters;
    private final SubscriberMails mails;
    private final ExecutorService workers;

    public ImportService(Pool pool, NewsletterDirectory newsletters, SubscriberMails mails) {
        this.pool = pool;
        this.newsletters = newsletters;
        this.mails = mails;
        AtomicInteger count = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "subscriber-import-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Blocking: runs on a worker thread of the request. */
    public SubscriberImport start(UUID accountId, UUID newsletterId, InputStream body, String asStatus) {
        SubscriberStatus status = asStatus == null || asStatus.isBlank()
                ? SubscriberStatus.ACTIVE
                : SubscriberStatus.parse(asStatus, "status");
        if (status != SubscriberStatus.ACTIVE && status != SubscriberStatus.PENDING) {
            throw ProblemException.invalid("status", "must be active or pending");
        }
        NewsletterDirectory.Ref newsletter =
                newsletters.owned(accountId, newsletterId).await().atMost(LOOKUP_TIMEOUT);
        Path file = spool(body);
        try {
            checkHeader(file);
            UUID id = UUID.randomUUID();
            SubscriberImport created = pool.preparedQuery(
                            "INSERT INTO subscriber_import (id, newsletter_id, status, as_status, created_at, updated_at)"
                                    + " VALUES ($1, $2, 'running', $3, now(), now()) RETURNING "
                                    + SubscriberImport.COLUMNS)
                    .execute(Tuple.of(id, newsletterId, status.wire()))
                    .map(rows -> SubscriberImport.of(rows.iterator().next()))
                    .await()
                    .atMost(LOOKUP_TIMEOUT);
            workers.submit(new ImportJob(pool, mails, newsletter, id, file, status));
            return created;
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    public Uni<SubscriberImport> find(UUID accountId, UUID newsletterId, UUID importId) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> pool.preparedQuery("SELECT " + SubscriberImport.COLUMNS
                                + " FROM subscriber_import WHERE id = $1 AND newsletter_id = $2")
                        .execute(Tuple.of(importId, newsletterId)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This import");
                    }
                    return SubscriberImport.of(rows.iterator().next());
                });
    }

    /**
     * An import whose replica died stops reporting progress; after two minutes of silence it is
     * marked failed, so nobody waits forever. Uploading the file again is safe: existing
     * subscribers are updated, never duplicated.
     */
    @Scheduled(every = "1m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> failAbandoned() {
        return pool.query(
                        """
                        UPDATE subscriber_import SET status = 'failed', finished_at = now(),
                            message = 'The import was interrupted (the server stopped); upload the file again'
                        WHERE status = 'running' AND updated_at < now() - interval '2 minutes'
                        """)
                .execute()
                .replaceWithVoid();
    }

    void stop(@Observes ShutdownEvent event) {
        workers.shutdownNow();
    }

    private static Path spool(InputStream body) {
        try {
            Path file = Files.createTempFile("tidings-import-", ".csv");
            Files.copy(body, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw ProblemException.badRequest(
                    "upload-failed", "Upload failed", "The upload could not be read completely");
        }
    }

    /** The file must have a header naming an email column: else 400 before any job starts. */
    private static void checkHeader(Path file) {
        try (Reader reader = ImportJob.open(file);
                CSVParser parser = CsvColumns.IMPORT.parse(reader)) {
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
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debugf("could not delete %s", file);
        }
    }
}
