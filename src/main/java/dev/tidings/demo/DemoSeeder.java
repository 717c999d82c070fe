package dev.tidings.demo;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import dev.tidings.web.TidingsConfig;
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
 * Seeds a verified demo account for the local run ({@code tidings.demo.enabled=true}); does nothing
 * otherwise, and nothing if the account exists.
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
    }
}
