package dev.tidings.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;
import org.subethamail.smtp.server.SessionHandler.SessionAcceptance;

/**
 * The delivery transport against real SMTP servers over TCP: SubEthaSMTP (no PIPELINING, so one
 * command at a time; STARTTLS and AUTH), and a scripted server that offers PIPELINING and answers
 * only once the whole envelope has arrived — a client that does not pipeline would stall there.
 */
class SmtpClientTest {

    private Vertx vertx;
    private SMTPServer server;
    private final Map<String, byte[]> received = new ConcurrentHashMap<>();
    private final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger peakSessions = new AtomicInteger();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void sendsManyMailsConcurrentlyOverABoundedPoolByteForByte() {
        int port = startSubetha(SMTPServer.port(0));
        SmtpClient client = new SmtpClient(vertx, settings(port, 8));
        List<io.smallrye.mutiny.Uni<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            sends.add(client.send("news@example.com", "reader" + i + "@example.org", message(i)));
        }
        io.smallrye.mutiny.Uni.join().all(sends).andFailFast().await().atMost(Duration.ofSeconds(60));

        assertThat(received).hasSize(300);
        for (int i = 0; i < 300; i++) {
            // SubEthaSMTP undoes the dot-stuffing and adds its Received header: the rest is exactly what was given.
            String arrived = new String(received.get("reader" + i + "@example.org"), StandardCharsets.UTF_8);
            assertThat(arrived.substring(arrived.indexOf("From: ")))
                    .isEqualTo(new String(message(i), StandardCharsets.UTF_8));
        }
        assertThat(peakSessions.get()).isBetween(1, 8);
    }

    @Test
    void refusalsCarryTheReplyAndLeaveTheConnectionUsable() {
        int port = startSubetha(SMTPServer.port(0));
        SmtpClient client = new SmtpClient(vertx, settings(port, 1));
        refusals.put("gone@example.org", 550);
        refusals.put("busy@example.org", 451);

        assertThatThrownBy(() -> client.send("news@example.com", "gone@example.org", message(1))
                        .await()
                        .atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(SmtpReplyException.class, e -> {
                    assertThat(e.code()).isEqualTo(550);
                    assertThat(e.isPermanent()).isTrue();
                    assertThat(e.reply()).startsWith("550 ").contains("mailbox unavailable");
                });
        assertThatThrownBy(() -> client.send("news@example.com", "busy@example.org", message(2))
                        .await()
                        .atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(SmtpReplyException.class, e -> assertThat(e.isPermanent())
                        .isFalse());
        client.send("news@example.com", "fine@example.org", message(3)).await().atMost(Duration.ofSeconds(10));

        assertThat(received).containsOnlyKeys("fine@example.org");
        assertThat(sessions.get())
                .as("one pooled connection, reset after each refusal")
                .isEqualTo(1);
    }

    @Test
    void aConnectionTheServerDroppedWhileIdleIsReplacedWithoutFailingTheMail() throws Exception {
        // The server closes sessions idle for 300 ms, as real servers do after a few minutes.
        int port = startSubetha(SMTPServer.port(0).connectionTimeout(300, TimeUnit.MILLISECONDS));
        SmtpClient client = new SmtpClient(vertx, settings(port, 1));
        client.send("news@example.com", "first@example.org", message(1)).await().atMost(Duration.ofSeconds(10));
        Thread.sleep(1000);

        client.send("news@example.com", "second@example.org", message(2))
                .await()
                .atMost(Duration.ofSeconds(10));

        assertThat(received).containsKeys("first@example.org", "second@example.org");
        assertThat(sessions.get())
                .as("a second connection replaced the dropped one")
                .isEqualTo(2);
    }

    @Test
    void authenticatesAfterStartTls() throws Exception {
        int port = startSubetha(SMTPServer.port(0)
                .startTlsSocketFactory(selfSignedTls())
                .enableTLS()
                .requireTLS()
                .requireAuth()
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, context) -> {
                    if (!user.equals("tidings") || !password.equals("s3cret")) {
                        throw new LoginFailedException();
                    }
                })));
        SmtpSettings settings = settings(port, 2);
        settings.startTls = "REQUIRED";
        settings.trustAll = true;
        settings.username = Optional.of("tidings");
        settings.password = Optional.of("s3cret");
        new SmtpClient(vertx, settings)
                .send("news@example.com", "secure@example.org", message(1))
                .await()
                .atMost(Duration.ofSeconds(20));
        assertThat(received).containsKey("secure@example.org");

        settings.password = Optional.of("wrong");
        assertThatThrownBy(() -> new SmtpClient(vertx, settings)
                        .send("news@example.com", "other@example.org", message(2))
                        .await()
                        .atMost(Duration.ofSeconds(20)))
                .as("a refused login says nothing about the recipient: a refusal of the session, not a bounce")
                .isInstanceOfSatisfying(SmtpReplyException.class, e -> assertThat(e.stage())
                        .isEqualTo(SmtpReplyException.Stage.SESSION))
                .hasMessageContaining("AUTH");
    }

    @Test
    void credentialsAreNeverSentOverAConnectionWithoutTls() throws Exception {
        AtomicInteger logins = new AtomicInteger();
        int port = startSubetha(SMTPServer.port(0)
                .requireAuth()
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, context) -> {
                    logins.incrementAndGet();
                })));
        SmtpSettings settings = settings(port, 1);
        settings.username = Optional.of("tidings");
        settings.password = Optional.of("s3cret");
        assertThatThrownBy(() -> new SmtpClient(vertx, settings)
                        .send("news@example.com", "plain@example.org", message(1))
                        .await()
                        .atMost(Duration.ofSeconds(20)))
                .isInstanceOf(SmtpFault.class)
                .hasMessageContaining("TLS");
        assertThat(logins.get()).as("the server never saw the password").isZero();
        assertThat(received).doesNotContainKey("plain@example.org");
    }

    @Test
    void theAppRefusesToStartWithCredentialsThatCouldTravelWithoutTls() {
        SmtpSettings settings = settings(2525, 1);
        settings.username = Optional.of("tidings");
        settings.password = Optional.of("s3cret");
        assertThatThrownBy(() -> settings.refuseCredentialsInTheClear(null))
                .hasMessageContaining("quarkus.mailer.start-tls=REQUIRED");
        settings.startTls = "REQUIRED";
        settings.refuseCredentialsInTheClear(null);
        settings.startTls = "OPTIONAL";
        settings.allowInsecureAuth = true;
        settings.refuseCredentialsInTheClear(null);
    }

    @Test
    void pipelinesTheEnvelopeWhenTheServerOffersIt() throws Exception {
        try (ScriptedServer scripted = new ScriptedServer()) {
            SmtpClient client = new SmtpClient(vertx, settings(scripted.port(), 1));
            client.send("news@example.com", "ok@example.org", message(1))
                    .await()
                    .atMost(Duration.ofSeconds(10));
            scripted.refuseNextRecipient = true;
            assertThatThrownBy(() -> client.send("news@example.com", "no@example.org", message(2))
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .isInstanceOfSatisfying(
                            SmtpReplyException.class, e -> assertThat(e.code()).isEqualTo(550));
            client.send("news@example.com", "again@example.org", message(3))
                    .await()
                    .atMost(Duration.ofSeconds(10));

            assertThat(scripted.messages).hasSize(2);
            assertThat(scripted.messages.get(0)).isEqualTo(stuffed(message(1)));
            assertThat(scripted.commands)
                    .containsSubsequence(
                            "MAIL FROM:<news@example.com>",
                            "RCPT TO:<no@example.org>",
                            "DATA",
                            "RSET",
                            "MAIL FROM:<news@example.com>",
                            "RCPT TO:<again@example.org>");
        }
    }

    @Test
    void aServerThatStopsAnsweringIsAFaultAfterTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread greeter = new Thread(() -> {
                try (Socket socket = silent.accept()) {
                    socket.getOutputStream().write("220 hello\r\n".getBytes(StandardCharsets.US_ASCII));
                    Thread.sleep(5000);
                } catch (Exception ignored) {
                    // the test is over
                }
            });
            greeter.setDaemon(true);
            greeter.start();
            SmtpSettings settings = settings(silent.getLocalPort(), 1);
            settings.replyTimeout = Duration.ofMillis(500);
            long started = System.nanoTime();
            assertThatThrownBy(() -> new SmtpClient(vertx, settings)
                            .send("news@example.com", "x@example.org", message(1))
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .isInstanceOf(SmtpFault.class)
                    .hasMessageContaining("no reply");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
    }

    /** A message with a line that starts with a dot and one that is only a dot. */
    private static byte[] message(int i) {
        return ("From: news@example.com\r\nSubject: number " + i + "\r\n\r\nHello " + i
                        + "\r\n.starts with a dot\r\n.\r\nend\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] stuffed(byte[] message) {
        return new String(message, StandardCharsets.UTF_8)
                .replace("\r\n.", "\r\n..")
                .getBytes(StandardCharsets.UTF_8);
    }

    private SmtpSettings settings(int port, int connections) {
        SmtpSettings settings = new SmtpSettings();
        settings.host = "127.0.0.1";
        settings.port = port;
        settings.startTls = "OPTIONAL";
        settings.username = Optional.empty();
        settings.password = Optional.empty();
        settings.maxConnections = connections;
        settings.ownHostName = Optional.of("client.test");
        settings.replyTimeout = Duration.ofSeconds(5);
        settings.idleTimeout = Duration.ofSeconds(30);
        return settings;
    }

    private int startSubetha(SMTPServer.Builder builder) {
        server = builder.bindAddress(InetAddress.getLoopbackAddress())
                .messageHandlerFactory(context -> new Recorder())
                .sessionHandler(new SessionHandler() {
                    private final AtomicInteger open = new AtomicInteger();

                    @Override
                    public SessionAcceptance accept(Session session) {
                        sessions.incrementAndGet();
                        peakSessions.accumulateAndGet(open.incrementAndGet(), Math::max);
                        return SessionAcceptance.success();
                    }

                    @Override
                    public void onSessionEnd(Session session) {
                        open.decrementAndGet();
                    }
                })
                .build();
        server.start();
        return server.getPortAllocated();
    }

    private final class Recorder implements MessageHandler {
        private String recipient;

        @Override
        public void from(String from) {}

        @Override
        public void recipient(String to) throws RejectException {
            Integer code = refusals.get(to);
            if (code != null) {
                throw new RejectException(code, code >= 500 ? "5.1.1 mailbox unavailable" : "4.2.0 try later");
            }
            recipient = to;
        }

        @Override
        public String data(InputStream data) throws java.io.IOException {
            received.put(recipient, data.readAllBytes());
            return null;
        }

        @Override
        public void done() {}
    }

    private static SSLContext selfSignedTls() throws Exception {
        Path store = Files.createTempFile("smtp-test", ".p12");
        Files.delete(store);
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-alias",
                        "smtp",
                        "-dname",
                        "CN=localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor()).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        Files.deleteIfExists(store);
        return context;
    }

    /**
     * Offers PIPELINING and reads MAIL, RCPT and DATA before answering any of them, as RFC 2920
     * allows a server to do; records each command line and each message as it arrived on the wire.
     */
    private static final class ScriptedServer implements AutoCloseable {
        final List<String> commands = new CopyOnWriteArrayList<>();
        final List<byte[]> messages = new CopyOnWriteArrayList<>();
        volatile boolean refuseNextRecipient;
        private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final Thread thread = new Thread(this::serve);

        ScriptedServer() throws java.io.IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            try (Socket client = socket.accept()) {
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
                OutputStream out = client.getOutputStream();
                reply(out, "220 scripted ESMTP");
                reply(out, line(in).startsWith("EHLO") ? "250-scripted\r\n250-PIPELINING\r\n250 8BITMIME" : "500 no");
                while (true) {
                    String first = line(in);
                    if (first == null || first.equals("QUIT")) {
                        return;
                    }
                    if (first.equals("RSET")) {
                        reply(out, "250 reset");
                        continue;
                    }
                    line(in); // RCPT
                    line(in); // DATA
                    if (refuseNextRecipient) {
                        refuseNextRecipient = false;
                        reply(out, "250 sender ok\r\n550 5.1.1 no such user\r\n554 no valid recipients");
                        continue;
                    }
                    reply(out, "250 sender ok\r\n250 recipient ok\r\n354 go ahead");
                    ByteArrayOutputStream message = new ByteArrayOutputStream();
                    String data;
                    while (!(data = in.readLine()).equals(".")) {
                        message.write((data + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    messages.add(message.toByteArray());
                    reply(out, "250 queued");
                }
            } catch (Exception ignored) {
                // closed by the test
            }
        }

        private String line(BufferedReader in) throws java.io.IOException {
            String line = in.readLine();
            if (line != null) {
                commands.add(line);
            }
            return line;
        }

        private static void reply(OutputStream out, String text) throws java.io.IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
