package dev.tidings.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

/**
 * A fresh database on a real PostgreSQL server: the machine's (127.0.0.1:5432, or
 * TIDINGS_TEST_PG_HOST / _PORT / _USER), or, when none answers, an embedded one started from the
 * infrastructure jars. Flyway migrates it when the app starts.
 */
public class PostgresTestDatabase implements QuarkusTestResourceLifecycleManager {

    public static final String DATABASE = "tidings_test";

    private Process embedded;

    @Override
    public Map<String, String> start() {
        String host = env("TIDINGS_TEST_PG_HOST", "127.0.0.1");
        String port = env("TIDINGS_TEST_PG_PORT", "5432");
        String user = env("TIDINGS_TEST_PG_USER", "postgres");
        String password = env("TIDINGS_TEST_PG_PASSWORD", "postgres");
        if (!canConnect(host, port, user, password)) {
            port = startEmbedded();
            host = "127.0.0.1";
            user = "postgres";
        }
        String admin = "jdbc:postgresql://" + host + ":" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(admin, user, password);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test database on " + admin + ": " + e.getMessage(), e);
        }
        String jdbcUrl = "jdbc:postgresql://" + host + ":" + port + "/" + DATABASE;
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + host + ":" + port + "/" + DATABASE,
                "quarkus.datasource.jdbc.url", jdbcUrl,
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    @Override
    public void stop() {
        Infra.stop(embedded);
    }

    private String startEmbedded() {
        try {
            int port = Infra.freePort();
            Path dir = Infra.workDir("postgres");
            Path log = dir.resolve("postgres.log");
            embedded = Infra.stack(
                    log, "postgres", "--port", "" + port, "--dir", dir.toString(), "--database", "postgres");
            Infra.awaitLine(embedded, log, "PostgreSQL ready", Duration.ofSeconds(60));
            return "" + port;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean canConnect(String host, String port, String user, String password) {
        DriverManager.setLoginTimeout(3);
        try (Connection ignored =
                DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", user, password)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
