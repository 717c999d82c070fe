package dev.tidings.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Replays, in a fixed order, the race a row lock is meant to settle: this side holds the lock (in
 * a JDBC transaction), the action under test starts and has to wait for it, this side changes
 * what the action will count and commits, and only then does the action go on. A count taken
 * under a snapshot older than the lock (a sub-select in the locking statement itself) misses the
 * change; one taken after the lock sees it.
 */
public final class RowLockRace {

    private RowLockRace() {}

    /**
     * Locks the row {@code lockSql} selects ({@code ... FOR NO KEY UPDATE}, one {@code ?} for
     * {@code id}), runs {@code action} on another thread, waits until a backend waits for a lock,
     * runs {@code meanwhileSql} (with {@code meanwhileArgs}) in the locking transaction, commits,
     * and answers the action's result.
     */
    public static <T> T run(String lockSql, Object id, Callable<T> action, String meanwhileSql, Object... meanwhileArgs)
            throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Connection holder = Database.connect()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement(lockSql)) {
                lock.setObject(1, id);
                try (ResultSet rows = lock.executeQuery()) {
                    if (!rows.next()) {
                        throw new IllegalStateException("no row to lock for " + id);
                    }
                }
            }
            Future<T> answer = thread.submit(action);
            awaitWaiter(answer);
            try (PreparedStatement change = holder.prepareStatement(meanwhileSql)) {
                for (int i = 0; i < meanwhileArgs.length; i++) {
                    change.setObject(i + 1, meanwhileArgs[i]);
                }
                if (change.executeUpdate() == 0) {
                    throw new IllegalStateException("the change meant to race changed nothing");
                }
            }
            holder.commit();
            return answer.get(30, TimeUnit.SECONDS);
        } finally {
            thread.shutdownNow();
        }
    }

    private static void awaitWaiter(Future<?> answer) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (Connection watcher = Database.connect();
                PreparedStatement waiting = watcher.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
            while (System.nanoTime() < deadline) {
                if (answer.isDone()) {
                    throw new IllegalStateException("the action finished without waiting for the lock");
                }
                try (ResultSet rows = waiting.executeQuery()) {
                    rows.next();
                    if (rows.getLong(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("the action never waited for the lock");
    }
}
