package dev.tidings.delivery.smtp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * One SMTP connection (RFC 5321) on a Vert.x socket. With PIPELINING (RFC 2920) a mail costs two
 * writes and two round trips: MAIL, RCPT and DATA together, then the whole pre-encoded message and
 * its terminating dot. Replies are matched to commands in order. Every field is touched only on
 * the socket's event loop; callers from elsewhere hop onto it.
 */
final class SmtpConnection {

    record Reply(int code, String text) {
        boolean positive() {
            return code >= 200 && code < 400;
        }

        SmtpReplyException refusal(SmtpReplyException.Stage stage) {
            return new SmtpReplyException(
                    code, code + " " + text.replace('\n', ' ').strip(), stage);
        }
    }

    private static final Buffer TERMINATOR = Buffer.buffer(".\r\n");
    private static final Buffer CRLF_TERMINATOR = Buffer.buffer("\r\n.\r\n");

    private final Vertx vertx;
    private final NetSocket socket;
    private final Context context;
    private final long timeoutMillis;
    private final ArrayDeque<Promise<Reply>> awaiting = new ArrayDeque<>();
    private final StringBuilder continued = new StringBuilder();
    private final Set<String> capabilities = new HashSet<>();
    private long timer = -1;
    private volatile boolean closed;
    private Runnable onClose = () -> {};
    private volatile int transactions;
    private boolean dataWritten;
    long idleSince;

    private SmtpConnection(Vertx vertx, NetSocket socket, Context context, long timeoutMillis) {
        this.vertx = vertx;
        this.socket = socket;
        this.context = context;
        this.timeoutMillis = timeoutMillis;
        RecordParser lines = RecordParser.newDelimited("\r\n", this::onLine).maxRecordSize(64 * 1024);
        socket.handler(lines);
        socket.exceptionHandler(e -> fail("SMTP connection failed: " + e.getMessage()));
        socket.closeHandler(v -> fail("the SMTP server closed the connection"));
    }

    /**
     * Connects, reads the greeting, says EHLO, upgrades with STARTTLS and authenticates as configured.
     * The connect runs on a Vert.x context even when called from another thread, so the socket's
     * handlers are in place before its first bytes are read: from a plain thread, the connect could
     * complete before they were set, and the greeting was lost (the server's idle timeout then
     * answered instead).
     */
    static Future<SmtpConnection> open(Vertx vertx, NetClient client, SmtpSettings settings) {
        Context context = vertx.getOrCreateContext();
        Promise<SmtpConnection> opened = Promise.promise();
        context.runOnContext(v -> connect(vertx, client, settings, context).onComplete(opened));
        return opened.future();
    }

    private static Future<SmtpConnection> connect(
            Vertx vertx, NetClient client, SmtpSettings settings, Context context) {
        return client.connect(settings.port(), settings.host())
                .recover(e -> Future.failedFuture(new SmtpFault("cannot connect to the SMTP server " + settings.host()
                        + ":" + settings.port() + ": " + e.getMessage())))
                .flatMap(socket -> {
                    SmtpConnection connection = new SmtpConnection(
                            vertx, socket, context, settings.replyTimeout().toMillis());
                    return connection
                            .handshake(settings)
                            .map(connection)
                            .onFailure(e -> connection.fail("set-up failed"));
                });
    }

    boolean isClosed() {
        return closed;
    }

    /** Mails sent over this connection before the current one. */
    int transactions() {
        return transactions;
    }

    void onClose(Runnable action) {
        this.onClose = action;
    }

    /**
     * One mail transaction. Fails with {@link SmtpReplyException} if the server refuses the sender,
     * the recipient or the message (the connection stays usable: it is reset), or with {@link
     * SmtpFault} if the connection breaks or times out (the connection is closed).
     */
    Future<Void> send(String from, String to, Buffer message) {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> transaction(from, to, message).onComplete(done));
        return done.future();
    }

    private Future<Void> transaction(String from, String to, Buffer message) {
        if (closed) {
            return Future.failedFuture(new SmtpFault("the SMTP connection is closed"));
        }
        transactions++;
        dataWritten = false;
        Future<Reply> data;
        Reply[] envelope = new Reply[2];
        if (capabilities.contains("PIPELINING")) {
            socket.write("MAIL FROM:<" + from + ">\r\nRCPT TO:<" + to + ">\r\nDATA\r\n");
            expect().onSuccess(r -> envelope[0] = r);
            expect().onSuccess(r -> envelope[1] = r);
            data = expect();
        } else {
            data = command("MAIL FROM:<" + from + ">")
                    .flatMap(r ->
                            (envelope[0] = r).positive() ? command("RCPT TO:<" + to + ">") : Future.succeededFuture(r))
                    .flatMap(r -> {
                        if (envelope[0].positive() && (envelope[1] = r).positive()) {
                            return command("DATA");
                        }
                        return Future.succeededFuture(new Reply(503, "not sent: the envelope was refused"));
                    });
        }
        return data.flatMap(dataReply -> {
            SmtpReplyException refused = envelope[0] != null && !envelope[0].positive()
                    ? envelope[0].refusal(SmtpReplyException.Stage.MAIL)
                    : envelope[1] != null && !envelope[1].positive()
                            ? envelope[1].refusal(SmtpReplyException.Stage.RCPT)
                            : null;
            if (dataReply.code() == 354 && refused == null) {
                dataWritten = true;
                socket.write(message);
                socket.write(endsWithLineBreak(message) ? TERMINATOR : CRLF_TERMINATOR);
                return expect().flatMap(end -> end.positive()
                        ? Future.succeededFuture()
                        : resetAfter(end.refusal(SmtpReplyException.Stage.MESSAGE)));
            }
            if (dataReply.code() == 354) {
                // A server that starts DATA after refusing the recipient gets an empty message, then RSET.
                socket.write(TERMINATOR);
                return expect().flatMap(ignored -> resetAfter(refused));
            }
            return resetAfter(refused != null ? refused : dataReply.refusal(SmtpReplyException.Stage.DATA));
        });
    }

    private static boolean endsWithLineBreak(Buffer message) {
        int n = message.length();
        return n >= 2 && message.getByte(n - 2) == '\r' && message.getByte(n - 1) == '\n';
    }

    /** Fails with the refusal once RSET has cleared the transaction, so the connection can be reused. */
    private Future<Void> resetAfter(SmtpReplyException refusal) {
        return command("RSET").transform(ar -> Future.failedFuture(refusal));
    }

    /** Politely ends the session; closes the socket in any case. */
    void quit() {
        context.runOnContext(v -> {
            if (!closed) {
                command("QUIT").onComplete(ar -> close());
            }
        });
    }

    void close() {
        context.runOnContext(v -> fail("the SMTP connection was closed"));
    }

    private Future<Void> handshake(SmtpSettings settings) {
        return expect().flatMap(greeting -> greeting.code() == 220 ? ehlo(settings) : refused("greeting", greeting))
                .flatMap(v -> startTls(settings))
                .flatMap(v -> authenticate(settings));
    }

    private Future<Void> ehlo(SmtpSettings settings) {
        return command("EHLO " + settings.ownHostName()).flatMap(reply -> {
            if (reply.code() != 250) {
                return command("HELO " + settings.ownHostName())
                        .flatMap(helo -> helo.code() == 250 ? Future.succeededFuture() : refused("HELO", helo));
            }
            capabilities.clear();
            String[] lines = reply.text().split("\n");
            for (int i = 1; i < lines.length; i++) { // the first line is the server's name
                capabilities.add(lines[i].strip().toUpperCase(Locale.ROOT));
            }
            return Future.succeededFuture();
        });
    }

    private Future<Void> startTls(SmtpSettings settings) {
        if (socket.isSsl() || !settings.startTlsWanted()) {
            return Future.succeededFuture();
        }
        if (!capabilities.contains("STARTTLS")) {
            return settings.startTlsRequired()
                    ? Future.failedFuture(
                            new SmtpFault(
                                    "the SMTP server does not offer STARTTLS, which quarkus.mailer.start-tls=REQUIRED asks for"))
                    : Future.succeededFuture();
        }
        return command("STARTTLS")
                .flatMap(reply -> reply.code() == 220 ? socket.upgradeToSsl() : refused("STARTTLS", reply))
                .recover(e -> e instanceof SmtpFault || e instanceof SmtpReplyException
                        ? Future.failedFuture(e)
                        : Future.failedFuture(new SmtpFault("STARTTLS failed: " + e.getMessage())))
                .flatMap(v -> ehlo(settings));
    }

    private Future<Void> authenticate(SmtpSettings settings) {
        if (settings.username().isEmpty()) {
            return Future.succeededFuture();
        }
        if (!socket.isSsl() && !settings.allowInsecureAuth()) {
            // Never the password in clear text over the network: TLS first, or an explicit opt-out.
            return Future.failedFuture(new SmtpFault("refusing to send SMTP credentials over a connection without TLS;"
                    + " use quarkus.mailer.tls=true or quarkus.mailer.start-tls=REQUIRED with a server that offers"
                    + " STARTTLS, or set tidings.delivery.smtp-allow-insecure-auth=true"));
        }
        String user = settings.username().get();
        String methods = capabilities.stream()
                .filter(c -> c.startsWith("AUTH ") || c.startsWith("AUTH="))
                .findFirst()
                .orElse("");
        if (methods.contains("PLAIN")) {
            String token = base64("\0" + user + "\0" + settings.password());
            return command("AUTH PLAIN " + token)
                    .flatMap(r -> r.code() == 235 ? Future.succeededFuture() : refused("AUTH PLAIN", r));
        }
        if (methods.contains("LOGIN")) {
            return command("AUTH LOGIN")
                    .flatMap(r -> r.code() == 334 ? command(base64(user)) : refused("AUTH LOGIN", r))
                    .flatMap(r -> r.code() == 334 ? command(base64(settings.password())) : refused("AUTH LOGIN", r))
                    .flatMap(r -> r.code() == 235 ? Future.succeededFuture() : refused("AUTH LOGIN", r));
        }
        return Future.failedFuture(new SmtpFault("the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN"));
    }

    /**
     * Set-up refusals are about the connection (or the relay), never a recipient: a refusal at
     * stage {@code SESSION}, its text naming the step.
     */
    private static <T> Future<T> refused(String step, Reply reply) {
        SmtpReplyException refusal = reply.refusal(SmtpReplyException.Stage.SESSION);
        return Future.failedFuture(new SmtpReplyException(
                refusal.code(),
                "the SMTP server refused " + step + ": " + refusal.reply(),
                SmtpReplyException.Stage.SESSION));
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private Future<Reply> command(String line) {
        socket.write(line + "\r\n");
        return expect();
    }

    private Future<Reply> expect() {
        if (closed) {
            return Future.failedFuture(new SmtpFault("the SMTP connection is closed"));
        }
        Promise<Reply> reply = Promise.promise();
        awaiting.add(reply);
        if (timer < 0) {
            timer = vertx.setTimer(timeoutMillis, t -> {
                timer = -1;
                fail("no reply from the SMTP server within " + timeoutMillis + " ms");
            });
        }
        return reply.future();
    }

    private void onLine(Buffer buffer) {
        String line = buffer.toString(StandardCharsets.UTF_8);
        if (line.length() < 3 || !Character.isDigit(line.charAt(0))) {
            fail("the SMTP server sent something that is not a reply");
            return;
        }
        if (line.length() > 3 && line.charAt(3) == '-') {
            continued.append(line, 4, line.length()).append('\n');
            return;
        }
        int code = Integer.parseInt(line.substring(0, 3));
        String text =
                continued.append(line.length() > 4 ? line.substring(4) : "").toString();
        continued.setLength(0);
        Promise<Reply> waiting = awaiting.poll();
        if (waiting == null) {
            // Unasked, e.g. "421 shutting down" on an idle connection.
            fail("the SMTP server said " + code + " " + text);
            return;
        }
        vertx.cancelTimer(timer);
        timer = awaiting.isEmpty()
                ? -1
                : vertx.setTimer(timeoutMillis, t -> {
                    timer = -1;
                    fail("no reply from the SMTP server within " + timeoutMillis + " ms");
                });
        waiting.complete(new Reply(code, text));
    }

    private void fail(String why) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        socket.close();
        SmtpFault fault = new SmtpFault(why, !dataWritten);
        Promise<Reply> waiting;
        while ((waiting = awaiting.poll()) != null) {
            waiting.tryFail(fault);
        }
        onClose.run();
    }
}
