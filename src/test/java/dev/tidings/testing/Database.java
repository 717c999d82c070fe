package dev.tidings.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Direct reads (and a few deliberate tamperings) of the test database, over JDBC. */
public final class Database {

    private Database() {}

    public static Connection connect() throws SQLException {
        String url = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.datasource.jdbc.url", String.class);
        String user = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.datasource.username", String.class);
        String password = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.datasource.password", String.class)
                .orElse("");
        return DriverManager.getConnection(url, user, password);
    }

    public static int update(String sql, Object... args) {
        try (Connection c = connect();
                PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes of the first column of the first row (a bytea). */
    public static byte[] bytes(String sql, Object... args) {
        try (Connection c = connect();
                PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> strings(String sql, Object... args) {
        try (Connection c = connect();
                PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String passwordHashOf(String email) {
        return strings("SELECT password_hash FROM account WHERE lower(email) = lower(?)", email)
                .get(0);
    }

    public static int countAccounts(String email) {
        return strings("SELECT id FROM account WHERE lower(email) = lower(?)", email)
                .size();
    }

    public static List<String> emailsLike(String localPart) {
        return strings("SELECT email FROM account WHERE lower(email) LIKE lower(?) || '@%'", localPart);
    }

    public static void expireCodesOf(String email) {
        update(
                "UPDATE account_code SET expires_at = now() - interval '1 second'"
                        + " WHERE account_id = (SELECT id FROM account WHERE lower(email) = lower(?))",
                email);
    }

    /** Tries to insert a second account for {@code email}; true when the database refuses. */
    public static boolean insertAccountFails(String email) {
        try (Connection c = connect();
                PreparedStatement statement = c.prepareStatement(
                        "INSERT INTO account (id, email, password_hash, created_at) VALUES (?, ?, 'x', now())")) {
            statement.setObject(1, UUID.randomUUID());
            statement.setString(2, email);
            statement.executeUpdate();
            return false;
        } catch (SQLException e) {
            return "23505".equals(e.getSQLState());
        }
    }
}
