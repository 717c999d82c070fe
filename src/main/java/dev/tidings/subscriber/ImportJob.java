package dev.tidings.subscriber;

import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.EmailAddress;
import io.smallrye.mutiny.Multi;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
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

    private static final String UPSERT =
            """
            INSERT INTO subscriber (id, newsletter_id, email, name, status, attributes, created_at, confirmed_at,
                                    confirm_sent_at)
            SELECT gen_random_uuid(), $1, u.email, u.name, coalesce(u.status, $2), u.attributes::jsonb, now(),
                   CASE WHEN coalesce(u.status, $2) = 'active' THEN now() END,
                   CASE WHEN coalesce(u.status, $2) = 'pending' THEN now() END
            FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(email, name, attributes, status)
            ON CONFLICT (newsletter_id, lower(email)) DO UPDATE
                SET name = COALESCE(EXCLUDED.name, subscriber.name),
                    attributes = subscriber.attributes || EXCLUDED.attributes
                WHERE (EXCLUDED.name IS NOT NULL AND EXCLUDED.name IS DISTINCT FROM subscriber.name)
                   OR NOT subscriber.attributes @> EXCLUDED.attributes
            RETURNING id, email, status, (xmax = 0) AS inserted
            """;

    /** A valid line; {@code status} is null or a suppressing status from the file. */
    private record Row0(String email, String name, String attributes, String status) {}

    private final Pool pool;
    private final SubscriberMails mails;
    private final NewsletterDirectory.Ref newsletter;
    private final UUID importId;
    private final Path file;
    private final SubscriberStatus asStatus;

    private int total;
    private int created;
    private int updated;
    private int skipped;
    private int errorCount;
    private final JsonArray newErrors = new JsonArray();

    ImportJob(
            Pool pool,
            SubscriberMails mails,
            NewsletterDirectory.Ref newsletter,
            UUID importId,
            Path file,
            SubscriberStatus asStatus) {
        this.pool = pool;
        this.mails = mails;
        this.newsletter = newsletter;
        this.importId = importId;
        this.file = file;
        this.asStatus = asStatus;
    }

    @Override
    public void run() {
        long line = 1;
        try (Reader reader = open(file);
                CSVParser parser = CsvColumns.IMPORT.parse(reader)) {
            Columns columns = Columns.of(parser.getHeaderNames());
            List<Row0> batch = new ArrayList<>(BATCH);
            Set<String> inBatch = new HashSet<>();
            for (CSVRecord record : parser) {
                line = parser.getCurrentLineNumber();
                total++;
                Row0 row = parse(record, columns, line);
                if (row == null) {
                    skipped++;
                } else if (!inBatch.add(row.email().toLowerCase(Locale.ROOT))) {
                    skipped++; // the same address twice in a row of lines: the first one counts
                } else {
                    batch.add(row);
                }
                if (batch.size() == BATCH) {
                    flush(batch);
                    batch.clear();
                    inBatch.clear();
                }
            }
            flush(batch);
            finish("done", null);
        } catch (UncheckedIOException | IOException | IllegalStateException e) {
            LOG.infof("import %s stopped at line %d: %s", importId, line, e.getMessage());
            finish(
                    "failed",
                    "Line " + (line + 1) + " and after could not be read as CSV (check quoting);"
                            + " the lines before it were imported");
        } catch (RuntimeException e) {
            LOG.errorf(e, "import %s failed", importId);
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
                EmailAddress.parse(email, "email").value(),
                name == null || name.isEmpty() ? null : name,
                json,
                status != null && SUPPRESSING.contains(status) ? status : null);
    }

    private void flush(List<Row0> batch) {
        if (!batch.isEmpty()) {
            List<Row> rows = new ArrayList<>();
            pool.preparedQuery(UPSERT)
                    .execute(Tuple.of(
                            newsletter.id(),
                            asStatus.wire(),
                            batch.stream().map(Row0::email).toArray(String[]::new),
                            batch.stream().map(Row0::name).toArray(String[]::new),
                            batch.stream().map(Row0::attributes).toArray(String[]::new),
                            batch.stream().map(Row0::status).toArray(String[]::new)))
                    .await()
                    .atMost(STATEMENT_TIMEOUT)
                    .forEach(rows::add);
            int inserted =
                    (int) rows.stream().filter(r -> r.getBoolean("inserted")).count();
            created += inserted;
            updated += rows.size() - inserted;
            skipped += batch.size() - rows.size();
            List<Row> toConfirm = rows.stream()
                    .filter(r ->
                            r.getBoolean("inserted") && r.getString("status").equals("pending"))
                    .toList();
            if (!toConfirm.isEmpty()) {
                confirm(toConfirm);
            }
        }
        saveProgress();
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
                                null,
                                null,
                                null,
                                null)))
                .merge(8)
                .collect()
                .last()
                .await()
                .atMost(Duration.ofMinutes(30));
    }

    private void error(long line, String message) {
        errorCount++;
        if (errorCount <= MAX_REPORTED_ERRORS) {
            newErrors.add(new JsonObject().put("line", line).put("message", message));
        }
    }

    private void saveProgress() {
        pool.preparedQuery(
                        """
                        UPDATE subscriber_import SET total = $2, created = $3, updated = $4, skipped = $5,
                            errors = errors || $6, error_count = $7, updated_at = now()
                        WHERE id = $1
                        """)
                .execute(Tuple.from(List.of(importId, total, created, updated, skipped, newErrors.copy(), errorCount)))
                .await()
                .atMost(STATEMENT_TIMEOUT);
        newErrors.clear();
    }

    private void finish(String status, String message) {
        try {
            saveProgress();
            pool.preparedQuery(
                            "UPDATE subscriber_import SET status = $2, message = $3, finished_at = now(), updated_at = now()"
                                    + " WHERE id = $1")
                    .execute(Tuple.of(importId, status, message))
                    .await()
                    .atMost(STATEMENT_TIMEOUT);
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

    /** Where email, name and each attribute stand in the header. */
    private record Columns(int email, int name, int status, Map<Integer, String> attributes, int count) {
        static Columns of(List<String> headers) {
            int email = -1;
            int name = -1;
            int status = -1;
            Map<Integer, String> attributes = new HashMap<>();
            for (int i = 0; i < headers.size(); i++) {
                String header = CsvColumns.normalise(headers.get(i));
                if (header.equals(CsvColumns.EMAIL) && email < 0) {
                    email = i;
                } else if (header.equals(CsvColumns.NAME) && name < 0) {
                    name = i;
                } else if (header.equals(CsvColumns.STATUS) && status < 0) {
                    status = i;
                } else if (!header.isEmpty() && !CsvColumns.EXPORT_ONLY.contains(header)) {
                    attributes.put(i, headers.get(i).strip());
                }
            }
            return new Columns(email, name, status, attributes, headers.size());
        }
    }
}
