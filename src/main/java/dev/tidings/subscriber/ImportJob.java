package dev.tidings.subscriber;

import dev.tidings.common.EmailAddress;
import dev.tidings.common.MailQuotas;
import dev.tidings.newsletter.NewsletterDirectory;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.jboss.logging.Logger;

/**
 * One CSV import: reads the spooled file record by record, upserts in batches of {@value #BATCH}
 * rows with one statement each, and writes progress after every batch. Memory stays flat in the
 * file's size. Existing subscribers keep their status (an import never re-subscribes anyone); their
 * name and attributes are updated when the file brings new values.
 */
final class ImportJob implements Runnable {

    private static final Logger LOG = Logger.getLogger(ImportJob.class);
    static final int BATCH = 1000;
    /** Line errors kept for the report; the count goes on past this. */
    private static final int MAX_REPORTED_ERRORS = 1000;

    private static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(2);
    private static final Set<String> SUPPRESSING = Set.of("unsubscribed", "bounced", "complained");

    /** A valid line; {@code status} is null or a suppressing status from the file. */
    private record Row0(long line, String email, String name, String attributes, String status, String tags) {}

    private final ImportRepository imports;
    private final SubscriberRepository subscribers;
    private final SubscriberMails mails;
    private final Suppressions suppressions;
    private final MailQuotas quotas;
    private final NewsletterDirectory.Ref newsletter;
    private final UUID importId;
    private final Path file;
    private final SubscriberStatus asStatus;
    private final int maxLineLength;
    /** Whether the newsletter has a suppression list to check lines against (most have none). */
    private boolean checkSuppressions;

    private final java.util.concurrent.atomic.AtomicInteger confirmationsNotSent =
            new java.util.concurrent.atomic.AtomicInteger();

    /** Batches in the database at once: the Java side parses the next while PostgreSQL works. */
    private static final int IN_FLIGHT = 2;

    private static final int PROGRESS_EVERY = 5;

    private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(IN_FLIGHT);
    private final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicInteger created = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger updated = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger skipped = new java.util.concurrent.atomic.AtomicInteger();
    private int total;
    private int errorCount;
    private final JsonArray newErrors = new JsonArray();

    ImportJob(
            ImportRepository imports,
            SubscriberRepository subscribers,
            SubscriberMails mails,
            Suppressions suppressions,
            MailQuotas quotas,
            NewsletterDirectory.Ref newsletter,
            UUID importId,
            Path file,
            SubscriberStatus asStatus,
            int maxLineLength) {
        this.imports = imports;
        this.subscribers = subscribers;
        this.mails = mails;
        this.suppressions = suppressions;
        this.quotas = quotas;
        this.newsletter = newsletter;
        this.importId = importId;
        this.file = file;
        this.asStatus = asStatus;
        this.maxLineLength = maxLineLength;
    }

    /** An import that adds this many subscribers refreshes the table's planner statistics. */
    static final int ANALYZE_AFTER = 10_000;

    @Override
    public void run() {
        long line = 1;
        if (!stillRunning()) {
            ImportService.deleteQuietly(file);
            return;
        }
        try (BoundedCsvReader reader = new BoundedCsvReader(open(file), maxLineLength);
                CSVParser parser = CsvColumns.IMPORT.parse(reader)) {
            checkSuppressions = suppressions.any(newsletter.id()).await().atMost(STATEMENT_TIMEOUT);
            Columns columns = Columns.of(parser.getHeaderNames());
            List<Row0> batch = new ArrayList<>(BATCH);
            Set<String> inBatch = new HashSet<>();
            int batches = 0;
            long previous = 1;
            for (CSVRecord record : parser) {
                line = parser.getCurrentLineNumber();
                total++;
                long cut = reader.cutLineWithin(previous + 1, line);
                previous = line;
                Row0 row;
                if (cut >= 0) {
                    error(cut, "is longer than " + maxLineLength + " characters; it was skipped");
                    row = null;
                } else {
                    row = parse(record, columns, line);
                }
                if (row == null) {
                    skipped.incrementAndGet();
                } else if (!inBatch.add(row.email().toLowerCase(Locale.ROOT))) {
                    skipped.incrementAndGet(); // the same address twice in one batch: the first counts
                } else {
                    batch.add(row);
                }
                if (batch.size() == BATCH) {
                    submit(batch);
                    batch = new ArrayList<>(BATCH);
                    inBatch.clear();
                    if (++batches % PROGRESS_EVERY == 0) {
                        saveProgress();
                    }
                }
            }
            submit(batch);
            drain();
            if (created.get() >= ANALYZE_AFTER) {
                // Fresh planner statistics at once (autovacuum may take a minute): with the table's
                // old row count the planner walks the whole newsletter for a search instead of
                // using the trigram index (98 ms against 18 ms at 100k, bench/admin-pages.sh).
                subscribers.analyze().await().atMost(STATEMENT_TIMEOUT);
            }
            finish("done", confirmationsNotSent.get() == 0 ? null : quotaMessage());
        } catch (UncheckedIOException | IOException e) {
            LOG.infof("import %s stopped at line %d: %s", importId, line, e.getMessage());
            drainQuietly();
            finish(
                    "failed",
                    "Line " + (line + 1) + " and after could not be read as CSV (check quoting);"
                            + " the lines before it were imported");
        } catch (RuntimeException | InterruptedException e) {
            LOG.errorf(e, "import %s failed", importId);
            drainQuietly();
            finish("failed", "The import failed on our side; the lines before line " + (line + 1) + " were imported");
        } finally {
            ImportService.deleteQuietly(file);
        }
    }

    private Row0 parse(CSVRecord record, Columns columns, long line) {
        if (!record.isConsistent() && record.size() > columns.count) {
            error(line, "has " + record.size() + " fields but the header has " + columns.count);
            return null;
        }
        String email = cell(record, columns.email);
        String problem = EmailAddress.problemWith(email);
        if (problem != null) {
            error(line, "email " + (email == null || email.isBlank() ? "is missing" : problem));
            return null;
        }
        String name = columns.name < 0 ? null : cell(record, columns.name);
        if (name != null && name.length() > 200) {
            error(line, "name must be at most 200 characters");
            return null;
        }
        String status = columns.status < 0 ? null : cell(record, columns.status);
        if (status != null && !status.isEmpty()) {
            status = status.toLowerCase(Locale.ROOT);
            if (!SUPPRESSING.contains(status) && !status.equals("active") && !status.equals("pending")) {
                error(line, "status must be active, pending, unsubscribed, bounced or complained");
                return null;
            }
        }
        List<String> tags;
        try {
            tags = columns.tags < 0 ? List.of() : Tags.fromCsv(cell(record, columns.tags));
        } catch (dev.tidings.common.ProblemException e) {
            error(line, e.getMessage());
            return null;
        }
        JsonObject attributes = new JsonObject();
        columns.attributes.forEach((index, key) -> {
            String value = cell(record, index);
            if (value != null && !value.isEmpty()) {
                attributes.put(key, value);
            }
        });
        String json = attributes.encode();
        if (json.getBytes(StandardCharsets.UTF_8).length > SubscriberRequests.MAX_ATTRIBUTE_BYTES) {
            error(line, "attributes must be at most " + SubscriberRequests.MAX_ATTRIBUTE_BYTES + " bytes");
            return null;
        }
        return new Row0(
                line,
                EmailAddress.parse(email, "email").value(),
                name == null || name.isEmpty() ? null : name,
                json,
                status != null && SUPPRESSING.contains(status) ? status : null,
                String.join(";", tags));
    }

    /**
     * Sends one batch without waiting for it; at most {@value #IN_FLIGHT} are in the database at a
     * time. Rows are sorted by address so that concurrent batches take their unique-index locks in
     * the same order (no deadlock); should PostgreSQL still report one, the batch is retried.
     */
    private void submit(List<Row0> batch) throws InterruptedException {
        if (checkSuppressions && !batch.isEmpty()) {
            batch = withoutSuppressed(batch);
        }
        if (batch.isEmpty()) {
            return;
        }
        slots.acquire();
        if (failure.get() != null) {
            slots.release();
            throw new BatchFailed(failure.get());
        }
        batch.sort(java.util.Comparator.comparing(r -> r.email().toLowerCase(Locale.ROOT)));
        List<Row0> rows = batch;
        subscribers
                .upsert(
                        newsletter.id(),
                        asStatus,
                        rows.stream().map(Row0::email).toArray(String[]::new),
                        rows.stream().map(Row0::name).toArray(String[]::new),
                        rows.stream().map(Row0::attributes).toArray(String[]::new),
                        rows.stream().map(Row0::status).toArray(String[]::new),
                        rows.stream().map(Row0::tags).toArray(String[]::new))
                .onFailure(e -> e instanceof io.vertx.pgclient.PgException pg && "40P01".equals(pg.getSqlState()))
                .retry()
                .atMost(3)
                .flatMap(result -> account(rows.size(), result))
                .subscribe()
                .with(ok -> slots.release(), error -> {
                    failure.compareAndSet(null, error);
                    slots.release();
                });
    }

    /**
     * Drops the lines whose address is on the newsletter's suppression list (someone who
     * unsubscribed or complained and was erased), each reported as a line error: only the person
     * can come back, by signing up.
     */
    private List<Row0> withoutSuppressed(List<Row0> batch) {
        Map<String, Row0> byHash = new HashMap<>();
        for (Row0 row : batch) {
            byHash.put(suppressions.hash(row.email()), row);
        }
        Set<String> found = suppressions
                .among(newsletter.id(), new ArrayList<>(byHash.keySet()))
                .await()
                .atMost(STATEMENT_TIMEOUT);
        if (found.isEmpty()) {
            return batch;
        }
        List<Row0> kept = new ArrayList<>(batch.size());
        for (Row0 row : batch) {
            if (found.contains(suppressions.hash(row.email()))) {
                skipped.incrementAndGet();
                error(
                        row.line(),
                        "this address unsubscribed (or complained) and was erased;" + " only they can sign up again");
            } else {
                kept.add(row);
            }
        }
        return kept;
    }

    /**
     * Counts a stored batch; its new pending subscribers get a confirmation mail, as far as the
     * account's hourly quota of confirmation mails goes (the rest stay pending without one).
     */
    private Uni<Void> account(int sent, io.vertx.mutiny.sqlclient.RowSet<Row> result) {
        List<Row> rows = new ArrayList<>(result.size());
        result.forEach(rows::add);
        int inserted = (int) rows.stream().filter(r -> r.getBoolean("inserted")).count();
        created.addAndGet(inserted);
        updated.addAndGet(rows.size() - inserted);
        skipped.addAndGet(sent - rows.size());
        List<Row> toConfirm = rows.stream()
                .filter(r -> r.getBoolean("inserted") && r.getString("status").equals("pending"))
                .toList();
        if (toConfirm.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return quotas.confirmationMails(newsletter.accountId(), toConfirm.size())
                .invoke(granted -> {
                    confirmationsNotSent.addAndGet(toConfirm.size() - granted);
                    if (granted > 0) {
                        confirm(toConfirm.subList(0, granted));
                    }
                })
                .replaceWithVoid();
    }

    private String quotaMessage() {
        return confirmationsNotSent.get() + " new subscribers were imported as pending without a confirmation mail:"
                + " this account's quota of " + quotas.confirmationMailsPerHour()
                + " confirmation mails per hour was used up. They can confirm by signing up on the public page.";
    }

    /** False when the import is no longer running (failed while it waited for a worker). */
    private boolean stillRunning() {
        return imports.touch(importId).await().atMost(STATEMENT_TIMEOUT);
    }

    /** Waits for the batches still in the database; a failed one fails the import. */
    private void drain() throws InterruptedException {
        if (!slots.tryAcquire(IN_FLIGHT, STATEMENT_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
            throw new BatchFailed(new java.util.concurrent.TimeoutException("batches did not finish in time"));
        }
        slots.release(IN_FLIGHT);
        if (failure.get() != null) {
            throw new BatchFailed(failure.get());
        }
    }

    private void drainQuietly() {
        try {
            drain();
        } catch (Exception e) {
            LOG.debugf("while stopping import %s: %s", importId, e.getMessage());
        }
    }

    /** Imported as pending: each new subscriber gets the confirmation mail, a few at a time. */
    private void confirm(List<Row> inserted) {
        Multi.createFrom()
                .iterable(inserted)
                .onItem()
                .transformToUni(row -> mails.sendConfirmation(
                        newsletter,
                        new Subscriber(
                                row.getUUID("id"),
                                newsletter.id(),
                                row.getString("email"),
                                null,
                                SubscriberStatus.PENDING,
                                new JsonObject(),
                                List.of(),
                                null,
                                null,
                                null,
                                null)))
                .merge(8)
                .subscribe()
                .with(ok -> {}, e -> LOG.warnf("confirmation mails of import %s: %s", importId, e.getMessage()));
    }

    private void error(long line, String message) {
        errorCount++;
        if (errorCount <= MAX_REPORTED_ERRORS) {
            newErrors.add(new JsonObject().put("line", line).put("message", message));
        }
    }

    private void saveProgress() {
        imports.progress(
                        importId,
                        new ImportRepository.Progress(
                                total,
                                created.get(),
                                updated.get(),
                                skipped.get(),
                                newErrors.copy(),
                                errorCount,
                                confirmationsNotSent.get()))
                .await()
                .atMost(STATEMENT_TIMEOUT);
        newErrors.clear();
    }

    private void finish(String status, String message) {
        try {
            saveProgress();
            imports.finish(importId, status, message).await().atMost(STATEMENT_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not record the end of import %s", importId);
        }
    }

    private static String cell(CSVRecord record, int index) {
        if (index < 0 || index >= record.size()) {
            return null;
        }
        return CsvColumns.undefuse(record.get(index));
    }

    /** A UTF-8 reader of the file that skips a byte-order mark (spreadsheets write one). */
    static Reader open(Path file) throws IOException {
        PushbackReader reader =
                new PushbackReader(java.nio.file.Files.newBufferedReader(file, StandardCharsets.UTF_8), 1);
        int first = reader.read();
        if (first != -1 && first != '\uFEFF') {
            reader.unread(first);
        }
        return reader;
    }

    /** A batch the database refused or never answered. */
    private static final class BatchFailed extends RuntimeException {
        BatchFailed(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Where email, name and each attribute stand in the header. */
    private record Columns(int email, int name, int status, int tags, Map<Integer, String> attributes, int count) {
        static Columns of(List<String> headers) {
            int email = -1;
            int name = -1;
            int status = -1;
            int tags = -1;
            Map<Integer, String> attributes = new HashMap<>();
            for (int i = 0; i < headers.size(); i++) {
                String header = CsvColumns.normalise(headers.get(i));
                if (header.equals(CsvColumns.EMAIL) && email < 0) {
                    email = i;
                } else if (header.equals(CsvColumns.NAME) && name < 0) {
                    name = i;
                } else if (header.equals(CsvColumns.STATUS) && status < 0) {
                    status = i;
                } else if (header.equals(CsvColumns.TAGS) && tags < 0) {
                    tags = i;
                } else if (!header.isEmpty() && !CsvColumns.EXPORT_ONLY.contains(header)) {
                    attributes.put(i, headers.get(i).strip());
                }
            }
            return new Columns(email, name, status, tags, attributes, headers.size());
        }
    }
}
