package dev.tidings.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * A real PostgreSQL server from the zonky binaries, for machines that have none. It keeps its data
 * directory, creates the requested database if missing, and trusts local connections as user
 * {@code postgres}.
 */
final class EmbeddedPostgresServer {

    private EmbeddedPostgresServer() {}

    static void run(Options options) throws Exception {
        int port = options.intValue("port", 55432);
        Path dir = options.path("dir", "target/postgres");
        String database = options.value("database", "tidings");
        Files.createDirectories(dir);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        String preload = options.value("preload", "");
        if (!preload.isBlank()) {
            // e.g. pg_stat_statements, for the benchmarks' per-statement profile
            builder.setServerConfig("shared_preload_libraries", preload);
        }
        EmbeddedPostgres postgres = builder.setPort(port)
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(false)
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (Exception e) {
                System.err.println("stopping PostgreSQL: " + e.getMessage());
            }
        }));
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            ResultSet exists = statement.executeQuery(
                    "SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "''") + "'");
            if (!exists.next()) {
                statement.execute("CREATE DATABASE \"" + database.replace("\"", "") + "\"");
            }
        }
        System.out.println("PostgreSQL ready on 127.0.0.1:" + port + ", database " + database);
        Thread.currentThread().join();
    }
}
