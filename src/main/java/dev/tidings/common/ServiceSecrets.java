package dev.tidings.common;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Secrets the service makes for itself when none is configured (the link-signing key, the
 * suppression-list key): generated once, kept in {@code service_secret} and shared by every
 * replica. The one owner of that table.
 */
@ApplicationScoped
public class ServiceSecrets {

    private final Pool pool;

    public ServiceSecrets(Pool pool) {
        this.pool = pool;
    }

    /** The secret called {@code name}, created on first use; concurrent first starts agree on one. Blocking. */
    public String getOrCreate(String name) {
        pool.preparedQuery("INSERT INTO service_secret (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(name, Secrets.newToken("")))
                .await()
                .indefinitely();
        return pool.preparedQuery("SELECT value FROM service_secret WHERE name = $1")
                .execute(Tuple.of(name))
                .await()
                .indefinitely()
                .iterator()
                .next()
                .getString("value");
    }
}
