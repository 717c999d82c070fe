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

    /** One database per run, so that two suites on one server (say a developer's and CI's) never collide. */
    private final String database = "tidings_test_" + System.currentTimeMillis() / 1000 + "_"
            + Integer.toString(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 30), 36);

    private Process embedded;
    private String adminUrl;
    private String user;
    private String password;

    @Override
    public Map<String, String> start() {
        String host = env("TIDINGS_TEST_PG_HOST", "127.0.0.1");
        String port = env("TIDINGS_TEST_PG_PORT", "5432");
        user = env("TIDINGS_TEST_PG_USER", "postgres");
        password = env("TIDINGS_TEST_PG_PASSWORD", "postgres");
        if (!canConnect(host, port, user, password)) {
            port = startEmbedded();
            host = "127.0.0.1";
            user = "postgres";
        }
        adminUrl = "jdbc:postgresql://" + host + ":" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
                Statement statement = connection.createStatement()) {
            dropAbandonedTestDatabases(statement);
            statement.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create the test database on " + adminUrl + ": " + e.getMessage(), e);
        }
        String jdbcUrl = "jdbc:postgresql://" + host + ":" + port + "/" + database;
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + host + ":" + port + "/" + database,
                "quarkus.datasource.jdbc.url", jdbcUrl,
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    @Override
    public void stop() {
        if (embedded == null && adminUrl != null) {
            try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
                    Statement statement = connection.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } catch (SQLException e) {
                System.err.println("could not drop " + database + ": " + e.getMessage());
            }
        }
        Infra.stop(embedded);
    }

    /** Test databases left by killed runs: over two hours old and nobody connected. */
    private static void dropAbandonedTestDatabases(Statement statement) throws SQLException {
        java.util.List<String> abandoned = new java.util.ArrayList<>();
        try (java.sql.ResultSet rows =
                statement.executeQuery("SELECT datname FROM pg_database d WHERE datname LIKE 'tidings\\_test\\_%'"
                        + " AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)")) {
            long twoHoursAgo = System.currentTimeMillis() / 1000 - 7200;
            while (rows.next()) {
                String[] parts = rows.getString(1).split("_");
                if (parts.length == 4 && parts[2].matches("\\d+") && Long.parseLong(parts[2]) < twoHoursAgo) {
                    abandoned.add(rows.getString(1));
                }
            }
        }
        for (String name : abandoned) {
            statement.execute("DROP DATABASE IF EXISTS \"" + name + "\"");
        }
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
