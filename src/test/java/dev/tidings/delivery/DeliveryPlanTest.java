package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.testing.Database;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-mail statements find their sends by primary key in the generic plans PostgreSQL caches
 * for prepared statements, whatever the statistics were when the plan was made. The statements are
 * planned over copies of {@code send}, {@code subscriber} and {@code issue} (with all their
 * indexes, as the migrations made them) in a schema of their own, in the state a replica meets at
 * the end of an issue: thousands of sends, none queued or being sent, so the partial indexes of
 * queued and claimed sends are empty and cost nothing to the planner. A plan made then is kept
 * while the next issue fills those indexes; one that scans them costs O(queued) per claim.
 */
@QuarkusTest
class DeliveryPlanTest {

    private final String schema =
            "plan_probe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private Connection connection;

    @BeforeEach
    void copyTheTables() throws Exception {
        connection = Database.connect();
        try (Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA " + schema);
            for (String table : List.of("send", "subscriber", "issue")) {
                sql.execute("CREATE TABLE %s.%s (LIKE public.%s INCLUDING ALL)".formatted(schema, table, table));
            }
            sql.execute("SET search_path = " + schema);
            sql.execute(
                    """
                    INSERT INTO issue (id, newsletter_id, subject, body_html, status, created_at, updated_at)
                    VALUES ('00000000-0000-0000-0000-0000000000a1', gen_random_uuid(), 's', 'b', 'sent', now(), now())
                    """);
            sql.execute(
                    """
                    INSERT INTO subscriber (id, newsletter_id, email, status, created_at)
                    SELECT gen_random_uuid(), gen_random_uuid(), 'p' || i || '@plan.example.com', 'active', now()
                    FROM generate_series(1, 5000) AS i
                    """);
            sql.execute(
                    """
                    INSERT INTO send (id, issue_id, subscriber_id, status, sent_at)
                    SELECT gen_random_uuid(), '00000000-0000-0000-0000-0000000000a1', id, 'sent', now() FROM subscriber
                    """);
            sql.execute("ANALYZE send");
            sql.execute("ANALYZE subscriber");
            sql.execute("ANALYZE issue");
            sql.execute("SET plan_cache_mode = force_generic_plan");
        }
    }

    @AfterEach
    void dropThem() throws Exception {
        try (Statement sql = connection.createStatement()) {
            sql.execute("RESET search_path");
            sql.execute("DROP SCHEMA " + schema + " CASCADE");
        } finally {
            connection.close();
        }
    }

    /** The primary-key index of the copy of {@code send}. */
    private String primaryKeyOfSend() throws Exception {
        try (Statement sql = connection.createStatement();
                ResultSet rows = sql.executeQuery(
                        """
                        SELECT c.relname FROM pg_index x
                        JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                        JOIN pg_namespace n ON n.oid = t.relnamespace
                        WHERE n.nspname = current_schema() AND t.relname = 'send' AND x.indisprimary
                        """)) {
            assertThat(rows.next()).as("the copy of send has a primary key").isTrue();
            return rows.getString(1);
        }
    }

    /** The generic plan of {@code statement} prepared with {@code types}, as EXPLAIN's JSON. */
    private JsonNode genericPlan(String name, String types, String statement, String args) throws Exception {
        try (Statement sql = connection.createStatement()) {
            sql.execute("PREPARE %s(%s) AS %s".formatted(name, types, statement));
            try (ResultSet rows = sql.executeQuery("EXPLAIN (FORMAT JSON) EXECUTE %s(%s)".formatted(name, args))) {
                rows.next();
                return new ObjectMapper().readTree(rows.getString(1));
            }
        }
    }

    /** The plan nodes that read the relation {@code send}. */
    private static List<JsonNode> scansOfSend(JsonNode node) {
        List<JsonNode> found = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(child -> found.addAll(scansOfSend(child)));
        } else if (node.isObject()) {
            if ("send".equals(node.path("Relation Name").asText())
                    && node.path("Node Type").asText().contains("Scan")) {
                found.add(node);
            }
            node.forEach(child -> found.addAll(scansOfSend(child)));
        }
        return found;
    }

    /** The indexes a scan reads: its own, or those of the bitmap index scans under a bitmap heap scan. */
    private static Set<String> indexesOf(JsonNode scan) {
        Set<String> names = new TreeSet<>();
        if (scan.has("Index Name")) {
            names.add(scan.get("Index Name").asText());
        }
        scan.path("Plans").forEach(child -> names.addAll(indexesOf(child)));
        return names;
    }

    @Test
    void aClaimPlannedWhenNothingIsQueuedLooksItsSendsUpByPrimaryKey() throws Exception {
        JsonNode plan = genericPlan(
                "claim",
                "uuid, uuid[], float8, uuid",
                DeliveryStore.CLAIM,
                "'00000000-0000-0000-0000-0000000000a1', '{}', 60, gen_random_uuid()");
        List<JsonNode> scans = scansOfSend(plan);
        assertThat(scans).as(plan.toString()).hasSize(1);
        assertThat(indexesOf(scans.get(0))).as(plan.toString()).containsExactly(primaryKeyOfSend());
    }

    @Test
    void outcomesPlannedWhenNothingIsClaimedLookTheirSendsUpByPrimaryKey() throws Exception {
        String types = "uuid[], text[], int[], text[], timestamptz[], timestamptz[], int[], text[]";
        String empty = "'{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'";
        for (JsonNode plan : List.of(
                genericPlan("record", types, DeliveryStore.RECORD, empty),
                genericPlan("record_retries", types + ", text", DeliveryStore.RECORD_WITH_RETRIES, empty + ", 'x'"))) {
            List<JsonNode> scans = scansOfSend(plan);
            assertThat(scans).as(plan.toString()).hasSize(1);
            assertThat(indexesOf(scans.get(0))).as(plan.toString()).containsExactly(primaryKeyOfSend());
        }
    }
}
