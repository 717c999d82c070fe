package dev.tidings.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docker-compose.yml runs the platform: every part, pinned, and the app wired to each. */
class ComposeFileTest {

    static final Path COMPOSE = AppConfigKeys.ROOT.resolve("docker-compose.yml");

    static AppConfigKeys app;
    static Map<String, Object> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        app = AppConfigKeys.load();
        try (InputStream in = Files.newInputStream(COMPOSE)) {
            Map<String, Object> compose = new Yaml().load(in);
            services = (Map<String, Object>) compose.get("services");
        }
        assertThat(services).isNotNull();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    static Map<String, Object> service(String name) {
        assertThat(services).containsKey(name);
        return map(services.get(name));
    }

    /** The service whose image is the given repository (e.g. "postgres"), by its name. */
    static String serviceWithImage(String repository) {
        return services.entrySet().stream()
                .filter(e -> {
                    String image = (String) map(e.getValue()).get("image");
                    return image != null
                            && image.substring(0, image.lastIndexOf(':')).equals(repository);
                })
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no service runs " + repository));
    }

    /** A service's environment, from either the map or the list ("KEY=value") form. */
    static Map<String, String> environment(String service) {
        Object env = service(service).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (env instanceof Map<?, ?> values) {
            values.forEach((k, v) -> result.put(k.toString(), v == null ? null : v.toString()));
        } else if (env instanceof List<?> entries) {
            for (Object entry : entries) {
                String[] parts = entry.toString().split("=", 2);
                result.put(parts[0], parts.length > 1 ? parts[1] : null);
            }
        }
        return result;
    }

    /** The container port a published "host:container" or "ip:host:container" mapping exposes. */
    static List<String[]> ports(String service) {
        List<String[]> result = new ArrayList<>();
        for (Object port : (List<?>) service(service).getOrDefault("ports", List.of())) {
            String[] parts = port.toString().split(":");
            result.add(new String[] {parts[parts.length - 2], parts[parts.length - 1]});
        }
        return result;
    }

    static String appService() {
        return services.entrySet().stream()
                .filter(e -> map(e.getValue()).containsKey("build"))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no service is built from the Dockerfile"));
    }

    @Test
    void everyPartOfThePlatformIsThereWithAPinnedImage() {
        String postgres = serviceWithImage("postgres");
        String kafka = serviceWithImage("apache/kafka");
        String mail = serviceWithImage("axllent/mailpit");
        String lb = serviceWithImage("nginx");
        String appService = appService();
        assertThat(List.of(postgres, kafka, mail, lb, appService)).doesNotHaveDuplicates();
        assertThat(services).hasSize(5);

        services.forEach((name, definition) -> {
            String image = (String) map(definition).get("image");
            assertThat(image).as("image of %s", name).isNotNull();
            KubernetesManifestsTest.assertPinned(image);
            assertThat(map(definition)).as("%s has a healthcheck", name).containsKey("healthcheck");
        });
        assertThat((String) service(postgres).get("image")).startsWith("postgres:17");

        // Mailpit: SMTP on 1025 for the app, its web UI published on 8025.
        assertThat(ports(mail)).anySatisfy(p -> assertThat(p).containsExactly("8025", "8025"));
        // The load balancer is how the host reaches the replicas.
        assertThat(ports(lb)).isNotEmpty();
        assertThat(ports(appService)).as("replicas cannot share a host port").isEmpty();
    }

    @Test
    void theAppRunsTwoReplicasOfTheDockerfileImageAfterItsDependenciesAreHealthy() throws IOException {
        Map<String, Object> appDef = service(appService());
        assertThat(map(appDef.get("deploy")).get("replicas")).isEqualTo(2);
        assertThat(appDef).doesNotContainKey("container_name");

        Map<String, Object> build = map(appDef.get("build"));
        Path context = AppConfigKeys.ROOT.resolve((String) build.get("context")).normalize();
        Path dockerfile = context.resolve((String) build.get("dockerfile"));
        assertThat(dockerfile).isRegularFile().hasFileName("Dockerfile.jvm");
        String text = Files.readString(dockerfile);
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(text);
        while (from.find()) {
            KubernetesManifestsTest.assertPinned(from.group(1));
        }
        assertThat(text).contains("target/quarkus-app/lib/", "target/quarkus-app/quarkus/", "EXPOSE 8080");
        assertThat(text).containsPattern("(?m)^USER\\s+(?!0\\b|root\\b)\\S+");
        assertThat(text).contains("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError");

        Map<String, Object> dependsOn = map(appDef.get("depends_on"));
        for (String dependency : List.of(
                serviceWithImage("postgres"), serviceWithImage("apache/kafka"), serviceWithImage("axllent/mailpit"))) {
            assertThat(map(dependsOn.get(dependency)))
                    .as("app waits for %s", dependency)
                    .containsEntry("condition", "service_healthy");
        }
    }

    /**
     * The image's AppCDS archive (issue 16): what the training step bind-mounts is in the build
     * context the .dockerignore lets through, the archive it writes is the one the JVM is started
     * with, and the jar it trains is the jar the image runs (an archive is refused for another
     * class path). The image build itself needs a container engine; this checks its wiring.
     */
    @Test
    void theImageTrainsTheClassArchiveItStartsWith() throws IOException {
        Map<String, Object> build = map(service(appService()).get("build"));
        Path context = AppConfigKeys.ROOT.resolve((String) build.get("context")).normalize();
        Path dockerfile = context.resolve((String) build.get("dockerfile"));
        String text = Files.readString(dockerfile);
        List<String> allowed =
                Files.readAllLines(dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore")).stream()
                        .filter(line -> line.startsWith("!"))
                        .map(line -> line.substring(1).replaceAll("/\\*$", ""))
                        .toList();
        Matcher mount =
                Pattern.compile("--mount=type=bind,source=([^,\\s]+),target=").matcher(text);
        List<String> sources = new ArrayList<>();
        while (mount.find()) {
            sources.add(mount.group(1));
        }
        assertThat(sources).contains("target/infra/lib", "src/main/docker/appcds-training.sh");
        for (String source : sources) {
            assertThat(allowed).as("%s is in the build context", source).contains(source);
        }
        assertThat(context.resolve("src/main/docker/appcds-training.sh")).isExecutable();

        Matcher training = Pattern.compile("appcds-training\\.sh java (\\S+) /tmp/infra (\\S+) ")
                .matcher(text);
        assertThat(training.find()).as("the Dockerfile runs appcds-training.sh").isTrue();
        Matcher archive = Pattern.compile("-XX:SharedArchiveFile=(\\S+)").matcher(text);
        assertThat(archive.find()).as("the JVM is started with an archive").isTrue();
        assertThat(archive.group(1)).isEqualTo(training.group(2));
        Matcher jar = Pattern.compile("(?m)^ENV JAVA_APP_JAR=\"(\\S+)\"").matcher(text);
        assertThat(jar.find()).isTrue();
        assertThat(jar.group(1)).isEqualTo(training.group(1));
    }

    @Test
    void theAppsEnvironmentIsKnownToItAndPointsAtTheRightServices() {
        String appService = appService();
        Map<String, String> env = environment(appService);
        env.keySet().forEach(key -> assertThat(app.knowsEnv(key))
                .as("%s is a config key of the app", key)
                .isTrue());
        assertThat(env).containsKeys(app.requiredEnv().toArray(String[]::new));
        env.forEach((key, value) -> {
            if (!key.equals("TIDINGS_PUBLIC_URL")) {
                assertThat(AppConfigKeys.pointsAtLoopback(value))
                        .as("%s=%s points at the container itself", key, value)
                        .isFalse();
            }
        });

        // PostgreSQL: both URLs name the postgres service, its port and database, with its credentials.
        String postgres = serviceWithImage("postgres");
        Map<String, String> pg = environment(postgres);
        URI reactive = URI.create(env.get("QUARKUS_DATASOURCE_REACTIVE_URL"));
        URI jdbc = URI.create(env.get("QUARKUS_DATASOURCE_JDBC_URL").substring("jdbc:".length()));
        for (URI url : List.of(reactive, jdbc)) {
            assertThat(url.getScheme()).isEqualTo("postgresql");
            assertThat(url.getHost()).isEqualTo(postgres);
            assertThat(url.getPort()).isEqualTo(5432);
            assertThat(url.getPath()).isEqualTo("/" + pg.get("POSTGRES_DB"));
        }
        assertThat(env.get("QUARKUS_DATASOURCE_USERNAME")).isEqualTo(pg.get("POSTGRES_USER"));
        assertThat(env.get("QUARKUS_DATASOURCE_PASSWORD")).isEqualTo(pg.get("POSTGRES_PASSWORD"));

        // Kafka: the listener the broker advertises to other containers.
        String kafka = serviceWithImage("apache/kafka");
        assertThat(env.get("KAFKA_BOOTSTRAP_SERVERS")).isEqualTo(kafka + ":9092");
        Map<String, String> broker = environment(kafka);
        assertThat(broker.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
        assertThat(broker.get("KAFKA_ADVERTISED_LISTENERS")).contains("PLAINTEXT://" + kafka + ":9092");
        assertThat(broker.get("KAFKA_LISTENERS")).contains("PLAINTEXT://:9092");

        // SMTP: Mailpit's SMTP port.
        assertThat(env.get("QUARKUS_MAILER_HOST")).isEqualTo(serviceWithImage("axllent/mailpit"));
        assertThat(env.get("QUARKUS_MAILER_PORT")).isEqualTo("1025");

        // HTTP: the app's port is the one the load balancer forwards to, and the public URL is the
        // load balancer's published port; plain HTTP there, so the session cookie must not be Secure.
        String httpPort = Optional.ofNullable(env.get("QUARKUS_HTTP_PORT")).orElse(app.defaultOf("quarkus.http.port"));
        URI publicUrl = URI.create(env.get("TIDINGS_PUBLIC_URL"));
        String lb = serviceWithImage("nginx");
        assertThat(ports(lb)).anySatisfy(p -> assertThat(p[0]).isEqualTo(String.valueOf(publicUrl.getPort())));
        assertThat(publicUrl.getScheme()).isEqualTo("http");
        assertThat(env.get("TIDINGS_AUTH_COOKIE_SECURE")).isEqualTo("false");
        assertThat(lbUpstreams(lb)).containsExactly(appService + ":" + httpPort);
    }

    /** The upstream servers of the nginx configuration mounted into the load balancer. */
    static List<String> lbUpstreams(String lb) {
        String config = null;
        for (Object volume : (List<?>) service(lb).get("volumes")) {
            String[] parts = volume.toString().split(":");
            if (parts[1].startsWith("/etc/nginx/")) {
                config = parts[0];
            }
        }
        assertThat(config).as("nginx configuration mounted from the repository").isNotNull();
        Path file = AppConfigKeys.ROOT.resolve(config).normalize();
        assertThat(file).isRegularFile().startsWith(AppConfigKeys.ROOT.resolve("deploy/compose"));
        try {
            List<String> servers = new ArrayList<>();
            Matcher upstream =
                    Pattern.compile("upstream\\s+\\S+\\s*\\{([^}]*)}").matcher(Files.readString(file));
            while (upstream.find()) {
                Matcher server =
                        Pattern.compile("(?m)^\\s*server\\s+([^\\s;]+)[^;]*;").matcher(upstream.group(1));
                while (server.find()) {
                    servers.add(server.group(1));
                }
            }
            return servers;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void clientAddressesCannotBeSpoofedAndNothingPrivateIsPublished() throws IOException {
        Map<String, String> env = environment(appService());
        // Forwarded headers are honoured only from the load balancer, which overwrites them.
        assertThat(env).containsEntry("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING", "true");
        String trusted = env.get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES");
        assertThat(trusted).as("trusted proxies").isNotBlank().doesNotContain("0.0.0.0/0");
        String lb = serviceWithImage("nginx");
        Map<String, Object> lbNetworks = map(service(lb).get("networks"));
        assertThat(lbNetworks).as("the load balancer has a fixed address").isNotEmpty();
        String lbAddress = (String) map(lbNetworks.values().iterator().next()).get("ipv4_address");
        assertThat(trusted.split(",")).contains(lbAddress);
        String nginx = Files.readString(AppConfigKeys.ROOT.resolve("deploy/compose/nginx.conf"));
        assertThat(nginx)
                .contains("proxy_set_header X-Forwarded-For $remote_addr;")
                .doesNotContain("$proxy_add_x_forwarded_for");

        // No demo account with a published password, and metrics/health/docs stay on the management port.
        assertThat(env.getOrDefault("TIDINGS_DEMO_ENABLED", "false")).isEqualTo("false");
        assertThat(ports(lb)).noneSatisfy(p -> assertThat(p[1]).isEqualTo("9000"));
        String healthcheck =
                String.valueOf(map(service(appService()).get("healthcheck")).get("test"));
        assertThat(healthcheck).contains("9000").contains("/q/health/ready");
    }
}
