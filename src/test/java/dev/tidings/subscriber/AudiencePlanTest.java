package dev.tidings.subscriber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.testing.Database;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The common rule shapes use their indexes: the plans PostgreSQL chooses for the count statement
 * over 20,000 subscribers (rare values, so an index is worth it), read with EXPLAIN. (PostgreSQL
 * estimates JSON containment from whole-object statistics: when every subscriber's attributes are
 * unique it guesses high and scans the newsletter's rows instead; the benchmark covers that case.)
 */
@QuarkusTest
class AudiencePlanTest extends WriterTest {

    @Inject
    Pool pool;

    private String plan(String rule) throws Exception {
        AudienceRule parsed = AudienceRule.parse(new ObjectMapper().readTree(rule), "rule");
        AudienceRule.Sql where = parsed.where("s", 2);
        List<Object> args = new ArrayList<>();
        args.add(UUID.fromString(newsletter));
        args.addAll(where.params());
        String json = pool.preparedQuery("EXPLAIN (FORMAT JSON) " + SubscriberRepository.countSql(where))
                .execute(Tuple.from(args))
                .await()
                .indefinitely()
                .iterator()
                .next()
                .getValue(0)
                .toString();
        JsonNode tree = new ObjectMapper().readTree(json);
        return tree.toString();
    }

    @Test
    void tagAndAttributeConditionsUseTheirGinIndexes() throws Exception {
        Database.update(
                """
                INSERT INTO subscriber (id, newsletter_id, email, status, attributes, tags, created_at, confirmed_at)
                SELECT gen_random_uuid(), ?::uuid, 'p' || i || '@plan.example.com', 'active',
                       jsonb_build_object('plan', CASE WHEN i % 400 = 0 THEN 'gold' ELSE 'free' END, 'seats', i % 5),
                       CASE WHEN i % 500 = 0 THEN ARRAY['rare', 'x'] ELSE ARRAY['x'] END, now(), now()
                FROM generate_series(1, 20000) AS i
                """,
                newsletter);
        Database.update("ANALYZE subscriber");

        assertThat(plan("{\"all\": [{\"tag\": \"rare\"}]}")).contains("\"Index Name\":\"subscriber_tags\"");
        assertThat(plan("{\"all\": [{\"attribute\": \"plan\", \"op\": \"eq\", \"value\": \"gold\"}]}"))
                .contains("\"Index Name\":\"subscriber_attributes\"");
        String both = plan(
                "{\"all\": [{\"tag\": \"rare\"}, {\"attribute\": \"plan\", \"op\": \"eq\", \"value\": \"gold\"}]}");
        assertThat(both)
                .containsAnyOf("\"Index Name\":\"subscriber_tags\"", "\"Index Name\":\"subscriber_attributes\"");
        Database.update("DELETE FROM subscriber WHERE newsletter_id = ?::uuid", newsletter);
    }
}
