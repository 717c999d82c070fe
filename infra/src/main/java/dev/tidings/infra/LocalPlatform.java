package dev.tidings.infra;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The whole platform on one machine: PostgreSQL, a Kafka broker, GreenMail and the packaged app,
 * each a child process, with a seeded demo account. Ctrl-C stops them in reverse order.
 */
final class LocalPlatform {

    private final Deque<Child> children = new ArrayDeque<>();
    private final Path root;
    private final Path work;
    private final Path logs;

    private LocalPlatform(Path root, Path work) {
        this.root = root;
        this.work = work;
        this.logs = work.resolve("logs");
    }

    record Child(String name, Process process) {}

    static void run(Options options) throws Exception {
        Path root = Java.libDir().getParent().getParent().getParent();
        Path work = root.resolve("target/local");
        if (!options.flag("keep-data")) {
            deleteTree(work);
        }
        LocalPlatform platform = new LocalPlatform(root, work);
        Runtime.getRuntime().addShutdownHook(new Thread(platform::stopAll));
        platform.start(options);
        // Wait until the app ends (or Ctrl-C runs the shutdown hook).
        Child app = platform.children.peekFirst();
        System.exit(app == null ? 0 : app.process().waitFor());
    }

    private void start(Options options) throws Exception {
        Files.createDirectories(logs);
        int pgPort = options.intValue("postgres-port", 55432);
        int kafkaPort = options.intValue("kafka-port", 19092);
        int smtpPort = options.intValue("smtp-port", 3025);
        int mailApiPort = options.intValue("mail-api-port", 8025);
        int appPort = options.intValue("app-port", 8080);
        int managementPort = options.intValue("management-port", 9000);
        for (int port : new int[] {pgPort, kafkaPort, kafkaPort + 1, smtpPort, mailApiPort, appPort, managementPort}) {
            if (isOpen(port)) {
                throw new IllegalStateException("port " + port + " is already in use: stop what runs there, or pick"
                        + " other ports (--postgres-port, --kafka-port, --smtp-port, --mail-api-port, --app-port,"
                        + " --management-port)");
            }
        }

        String cp = Java.infraClasspath();
        say("starting PostgreSQL on 127.0.0.1:" + pgPort);
        spawn("postgres", Java.command(cp, "dev.tidings.infra.Stack", "postgres", "--port", "" + pgPort, "--dir",
                work.resolve("postgres").toString()));
        say("starting Kafka (KRaft) on 127.0.0.1:" + kafkaPort);
        spawn("kafka", Java.command(cp, "dev.tidings.infra.Stack", "kafka", "--port", "" + kafkaPort, "--dir",
                work.resolve("kafka").toString()));
        say("starting GreenMail SMTP on 127.0.0.1:" + smtpPort + ", mail API on :" + mailApiPort);
        spawn("greenmail", GreenMailServer.command(Options.parse(new String[] {
            "--smtp-port", "" + smtpPort, "--api-port", "" + mailApiPort
        })));
        awaitPort("PostgreSQL", pgPort, Duration.ofSeconds(60));
        awaitPort("Kafka", kafkaPort, Duration.ofSeconds(60));
        awaitPort("GreenMail", smtpPort, Duration.ofSeconds(30));
        awaitDatabase(pgPort);
        if (options.flag("no-app")) {
            say("infrastructure is up (--no-app)");
            return;
        }

        boolean dev = options.flag("dev");
        Path jar = root.resolve("target/quarkus-app/quarkus-run.jar");
        if (!dev && !Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first with ./mvnw package -DskipTests");
        }
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_PORT", "" + appPort);
        env.put("QUARKUS_MANAGEMENT_PORT", "" + managementPort);
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://127.0.0.1:" + pgPort + "/tidings");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + pgPort + "/tidings");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafkaPort);
        env.put("QUARKUS_MAILER_HOST", "127.0.0.1");
        env.put("QUARKUS_MAILER_PORT", "" + smtpPort);
        env.put("QUARKUS_MAILER_FROM", "Tidings <no-reply@tidings.localhost>");
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("TIDINGS_PUBLIC_URL", "http://localhost:" + appPort);
        env.put("TIDINGS_AUTH_COOKIE_SECURE", "false");
        env.put("TIDINGS_DEMO_ENABLED", "true");
        // Sender identity (local run only): the demo sends from example.com, shared by every writer;
        // other domains can be added and verified (their DKIM keys encrypted with a local-only key);
        // returned mail reaches the bounce mailbox on 127.0.0.1:<app port + 1525>.
        env.put("TIDINGS_SENDER_SHARED_DOMAINS", "example.com");
        env.put("TIDINGS_SENDER_KEY_ENCRYPTION_KEY", "local-run-only-key-encryption-key-not-a-secret");
        env.put("TIDINGS_BOUNCES_LISTEN", "true");
        env.put("TIDINGS_BOUNCES_HOST", "127.0.0.1");
        env.put("TIDINGS_BOUNCES_PORT", "" + (appPort + 1525));
        say("bounce mailbox (returned mail, SMTP) on 127.0.0.1:" + (appPort + 1525));
        ProcessBuilder app;
        if (dev) {
            // Quarkus dev mode: Java and templates reload on the next request; Dev UI at /q/dev-ui.
            say("starting Tidings in Quarkus dev mode (./mvnw quarkus:dev) on http://localhost:" + appPort);
            boolean windows = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("win");
            app = new ProcessBuilder(
                            root.resolve(windows ? "mvnw.cmd" : "mvnw").toString(),
                            "-q",
                            "quarkus:dev",
                            "-Dquarkus.http.port=" + appPort,
                            "-Dquarkus.management.port=" + managementPort,
                            "-Dquarkus.console.enabled=false")
                    .directory(root.toFile())
                    .inheritIO();
        } else {
            say("starting Tidings on http://localhost:" + appPort);
            app = new ProcessBuilder(Java.executable(), "-Xmx512m", "-jar", jar.toString()).inheritIO();
        }
        app.environment().putAll(env);
        children.push(new Child("tidings", app.start()));
        awaitReady(managementPort, Duration.ofSeconds(dev ? 300 : 90));

        String base = "http://localhost:" + appPort;
        String management = "http://localhost:" + managementPort;
        String mail = "http://127.0.0.1:" + mailApiPort;
        System.out.println(
                """

                ================================================================================
                 Tidings is running.
                   Web admin      %1$s/app        (sign in with the demo account below)
                   App            %1$s            (API: %1$s/api, docs: %4$s/q/swagger-ui)
                   Demo account   demo@example.com / tidings-demo-password
                   Mail inbox     %2$s/api/user/<address>/messages/   (every mail the app sent)
                                  e.g. curl -s %2$s/api/user/demo@example.com/messages/
                   Health         %4$s/q/health/ready    Metrics: %4$s/q/metrics
                   Logs           %3$s
                 Try:
                   curl -i -c cookies -H 'Content-Type: application/json' \\
                        -d '{"email":"demo@example.com","password":"tidings-demo-password"}' %1$s/api/auth/login
                   curl -b cookies %1$s/api/me
                 Press Ctrl-C to stop everything.
                ================================================================================
                """
                        .formatted(base, mail, logs, management));
    }

    private void spawn(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile())
                .start();
        children.push(new Child(name, process));
    }

    private void stopAll() {
        List<Child> order = new ArrayList<>(children);
        for (Child child : order) {
            if (!child.process().isAlive()) {
                continue;
            }
            say("stopping " + child.name());
            child.process().destroy();
            try {
                if (!child.process().waitFor(30, TimeUnit.SECONDS)) {
                    child.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitPort(String what, int port, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!isOpen(port)) {
            for (Child child : children) {
                if (!child.process().isAlive()) {
                    throw new IllegalStateException(child.name() + " exited; see " + logs.resolve(child.name() + ".log"));
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(what + " did not start within " + timeout + "; see " + logs);
            }
            Thread.sleep(200);
        }
    }

    /** The embedded server opens its port before it has created the app's database. */
    private void awaitDatabase(int pgPort) throws InterruptedException, IOException {
        Path log = logs.resolve("postgres.log");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!Files.readString(log).contains("PostgreSQL ready")) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("PostgreSQL on " + pgPort + " did not become ready; see " + log);
            }
            Thread.sleep(200);
        }
    }

    private void awaitReady(int managementPort, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        URI ready = URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready");
        while (true) {
            try {
                HttpURLConnection connection = (HttpURLConnection) ready.toURL().openConnection();
                connection.setConnectTimeout(1000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (!children.peekFirst().process().isAlive()) {
                throw new IllegalStateException("the app exited during start-up; see its output above");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the app did not become ready within " + timeout);
            }
            Thread.sleep(500);
        }
    }

    static boolean isOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void say(String message) {
        System.out.println("[tidings-local] " + message);
    }
}
