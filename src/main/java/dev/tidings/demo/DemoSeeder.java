package dev.tidings.demo;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Seeds the local run ({@code tidings.demo.enabled=true}): a verified demo account and its newsletter
 * "demo" with five subscribers. Does nothing otherwise, and nothing twice.
 */
@ApplicationScoped
public class DemoSeeder {

    public static final String EMAIL = "demo@example.com";
    public static final String PASSWORD = "tidings-demo-password";

    private static final Logger LOG = Logger.getLogger(DemoSeeder.class);

    void seed(@Observes StartupEvent event, TidingsConfig config, Pool pool) {
        if (!config.demo().enabled()) {
            return;
        }
        String hash = BCrypt.with(LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B))
                .hashToString(config.auth().bcryptCost(), PASSWORD.toCharArray());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        int inserted = pool.preparedQuery(
                        """
                        INSERT INTO account (id, email, name, password_hash, created_at, verified_at)
                        VALUES ($1, $2, 'Demo Writer', $3, $4, $4) ON CONFLICT DO NOTHING
                        """)
                .execute(Tuple.of(UUID.randomUUID(), EMAIL, hash, now))
                .await()
                .indefinitely()
                .rowCount();
        LOG.infof(inserted == 1 ? "Seeded demo account %s" : "Demo account %s already exists", EMAIL);
        seedNewsletter(pool, now);
    }

    /** A newsletter with a handful of subscribers, its sign-up page at /p/demo. */
    private static void seedNewsletter(Pool pool, OffsetDateTime now) {
        pool.preparedQuery(
                        """
                        INSERT INTO newsletter (id, account_id, slug, name, from_name, from_email, double_opt_in, created_at)
                        SELECT $1, id, 'demo', 'The Demo Dispatch', 'Demo Writer', 'demo@example.com', true, $2
                        FROM account WHERE email = 'demo@example.com'
                        ON CONFLICT (slug) DO NOTHING
                        """)
                .execute(Tuple.of(UUID.randomUUID(), now))
                .await()
                .indefinitely();
        pool.preparedQuery(
                        """
                        INSERT INTO subscriber (id, newsletter_id, email, name, status, attributes, created_at, confirmed_at)
                        SELECT gen_random_uuid(), n.id, s.email, s.name, 'active', s.attributes::jsonb, $1, $1
                        FROM newsletter n,
                             (VALUES ('ada@example.com', 'Ada Lovelace', '{"city": "London"}'),
                                     ('grace@example.com', 'Grace Hopper', '{"city": "Arlington"}'),
                                     ('alan@example.com', 'Alan Turing', '{"city": "Manchester"}'),
                                     ('katherine@example.com', 'Katherine Johnson', '{"city": "Hampton"}'),
                                     ('edsger@example.com', 'Edsger Dijkstra', '{"city": "Austin"}'))
                             AS s(email, name, attributes)
                        WHERE n.slug = 'demo'
                        ON CONFLICT DO NOTHING
                        """)
                .execute(Tuple.of(now))
                .await()
                .indefinitely();
    }
}
