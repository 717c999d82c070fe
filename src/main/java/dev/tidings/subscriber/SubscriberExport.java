package dev.tidings.subscriber;

import dev.tidings.common.Cursor;
import dev.tidings.common.PageRequest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.csv.CSVPrinter;

/**
 * Streams a newsletter's subscribers as RFC 4180 CSV, a page of {@value #PAGE} rows at a time, so
 * memory stays flat however long the list. Columns: {@code email,name,status,created_at,
 * confirmed_at,unsubscribed_at} and one per attribute key in use.
 */
@ApplicationScoped
public class SubscriberExport {

    static final int PAGE = 1000;

    private final Pool pool;
    private final SubscriberRepository subscribers;

    public SubscriberExport(Pool pool, SubscriberRepository subscribers) {
        this.pool = pool;
        this.subscribers = subscribers;
    }

    public Multi<String> csv(UUID newsletterId) {
        return attributeKeys(newsletterId).toMulti().flatMap(keys -> {
            List<String> header = new ArrayList<>(List.of(
                    CsvColumns.EMAIL,
                    CsvColumns.NAME,
                    CsvColumns.STATUS,
                    CsvColumns.TAGS,
                    "created_at",
                    "confirmed_at",
                    "unsubscribed_at"));
            header.addAll(keys);
            AtomicReference<Cursor> after = new AtomicReference<>();
            Multi<String> pages = Multi.createBy()
                    .repeating()
                    .uni(() -> subscribers.page(newsletterId, null, null, new PageRequest(PAGE, after.get())))
                    .until(List::isEmpty)
                    .map(page -> {
                        Subscriber last = page.get(page.size() - 1);
                        after.set(new Cursor(last.createdAt(), last.id()));
                        return lines(page, keys);
                    });
            return Multi.createBy().concatenating().streams(Multi.createFrom().item(line(header)), pages);
        });
    }

    private Uni<List<String>> attributeKeys(UUID newsletterId) {
        return pool.preparedQuery(
                        """
                        SELECT DISTINCT key FROM subscriber, jsonb_object_keys(attributes) AS key
                        WHERE newsletter_id = $1 AND status <> 'erased' ORDER BY key
                        """)
                .execute(Tuple.of(newsletterId))
                .map(rows -> {
                    List<String> keys = new ArrayList<>();
                    for (Row row : rows) {
                        String key = row.getString("key");
                        String column = CsvColumns.normalise(key);
                        if (!CsvColumns.EXPORT_ONLY.contains(column)
                                && !column.equals(CsvColumns.STATUS)
                                && !column.equals(CsvColumns.TAGS)
                                && !column.equals(CsvColumns.EMAIL)
                                && !column.equals(CsvColumns.NAME)) {
                            keys.add(key);
                        }
                    }
                    return keys;
                });
    }

    private static String lines(List<Subscriber> page, List<String> keys) {
        StringBuilder out = new StringBuilder(page.size() * 96);
        for (Subscriber s : page) {
            List<String> cells = new ArrayList<>(6 + keys.size());
            cells.add(s.email());
            cells.add(s.name());
            cells.add(s.status().wire());
            cells.add(String.join(";", s.tags()));
            cells.add(text(s.createdAt()));
            cells.add(text(s.confirmedAt()));
            cells.add(text(s.unsubscribedAt()));
            JsonObject attributes = s.attributes();
            for (String key : keys) {
                Object value = attributes.getValue(key);
                cells.add(value == null ? null : value.toString());
            }
            out.append(line(cells));
        }
        return out.toString();
    }

    private static String line(List<String> cells) {
        StringBuilder out = new StringBuilder();
        try (CSVPrinter printer = new CSVPrinter(out, CsvColumns.EXPORT)) {
            printer.printRecord(cells.stream().map(CsvColumns::defuse).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
