package dev.tidings.delivery.smtp;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The delivery transport: a pool of at most {@code quarkus.mailer.max-pool-size} pipelined SMTP
 * connections that sends pre-encoded messages, each as one write. It replaces the Vert.x mail
 * client on the bulk path because that client re-encodes every message and writes it line by line
 * (a promise and a flush per line), which cost more CPU than everything else per mail.
 *
 * <p>A connection that was idle in the pool and breaks before the message was handed over is
 * replaced once, transparently: servers drop idle connections, and that says nothing about the
 * mail.
 */
@ApplicationScoped
public class SmtpClient {

    private static final Logger LOG = Logger.getLogger(SmtpClient.class);

    private final Vertx vertx;
    private final SmtpSettings settings;
    private final NetClient client;
    private final ArrayDeque<SmtpConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Promise<SmtpConnection>> waiting = new ArrayDeque<>();
    private int open; // connections open or being opened
    private boolean closed;

    public SmtpClient(Vertx vertx, SmtpSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
        NetClientOptions options = new NetClientOptions()
                .setSsl(settings.tls())
                .setTrustAll(settings.trustAll())
                .setConnectTimeout((int) settings.replyTimeout().toMillis())
                .setTcpNoDelay(true)
                .setHostnameVerificationAlgorithm(settings.trustAll() ? "" : "HTTPS");
        this.client = vertx.createNetClient(options);
        long sweep = Math.max(1000, settings.idleTimeout().toMillis() / 2);
        vertx.setPeriodic(sweep, id -> closeIdle());
    }

    /** Sends one message (CRLF line endings, not dot-stuffed) to one recipient. */
    public Uni<Void> send(String from, String to, byte[] message) {
        Buffer data = DotStuffing.apply(message);
        return Uni.createFrom().completionStage(() -> send(from, to, data, true).toCompletionStage());
    }

    private Future<Void> send(String from, String to, Buffer data, boolean mayReplace) {
        return acquire().flatMap(connection -> {
            boolean reused = connection.transactions() > 0;
            return connection
                    .send(from, to, data)
                    .onComplete(ar -> release(connection))
                    .recover(failure -> {
                        if (mayReplace && reused && failure instanceof SmtpFault fault && fault.beforeData()) {
                            return send(from, to, data, false);
                        }
                        return Future.failedFuture(failure);
                    });
        });
    }

    private Future<SmtpConnection> acquire() {
        Promise<SmtpConnection> later;
        synchronized (this) {
            if (closed) {
                return Future.failedFuture(new SmtpFault("the SMTP client is shutting down"));
            }
            SmtpConnection connection;
            while ((connection = idle.pollLast()) != null) {
                if (!connection.isClosed()) {
                    return Future.succeededFuture(connection);
                }
            }
            if (open >= settings.maxConnections()) {
                later = Promise.promise();
                waiting.add(later);
                return later.future();
            }
            open++;
        }
        return connect();
    }

    private Future<SmtpConnection> connect() {
        return SmtpConnection.open(vertx, client, settings)
                .onSuccess(connection -> {
                    connection.onClose(this::closedOne);
                    if (connection.isClosed()) {
                        closedOne(); // it closed before the hook was in place
                    }
                })
                .onFailure(e -> closedOne());
    }

    /** A connection is gone (or never came): someone waiting may open a new one. */
    private void closedOne() {
        Promise<SmtpConnection> next;
        synchronized (this) {
            open--;
            next = waiting.poll();
            if (next == null) {
                return;
            }
            open++;
        }
        connect().onComplete(next);
    }

    private void release(SmtpConnection connection) {
        if (connection.isClosed()) {
            return; // closedOne() has already accounted for it
        }
        Promise<SmtpConnection> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                connection.idleSince = System.nanoTime();
                idle.addLast(connection);
                return;
            }
        }
        next.complete(connection);
    }

    private void closeIdle() {
        long limit = System.nanoTime() - settings.idleTimeout().toNanos();
        List<SmtpConnection> stale = new ArrayList<>();
        synchronized (this) {
            idle.removeIf(c -> {
                if (c.isClosed() || c.idleSince < limit) {
                    stale.add(c);
                    return true;
                }
                return false;
            });
        }
        stale.forEach(SmtpConnection::quit);
    }

    void shutdown(@Observes ShutdownEvent event) {
        close();
    }

    /** Closes the idle connections and refuses new sends (a relay's client that is not a bean). */
    public void close() {
        List<SmtpConnection> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(SmtpConnection::quit);
        LOG.debugf("closed %d idle SMTP connections", all.size());
    }
}
