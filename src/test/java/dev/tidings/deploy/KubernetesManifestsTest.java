package dev.tidings.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.delivery.TopicSetup;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** What deploy/kubernetes/ declares agrees with what the app reads and does. */
class KubernetesManifestsTest {

    static final Path KUBERNETES = AppConfigKeys.ROOT.resolve("deploy/kubernetes");
    static final Path BASE = KUBERNETES.resolve("base");
    static final Path OVERLAY = KUBERNETES.resolve("overlays/example");

    static AppConfigKeys app;
    /** Every manifest (kustomization.yaml files aside), by its path. */
    static Map<Path, HasMetadata> manifests;

    @BeforeAll
    static void load() throws IOException {
        app = AppConfigKeys.load();
        KubernetesSerialization serialization = new KubernetesSerialization();
        manifests = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(KUBERNETES)) {
            for (Path file :
                    files.filter(KubernetesManifestsTest::isManifest).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    Object parsed = serialization.unmarshal(in);
                    assertThat(parsed)
                            .as("%s holds one Kubernetes resource", file)
                            .isInstanceOf(HasMetadata.class);
                    manifests.put(file, (HasMetadata) parsed);
                }
            }
        }
        assertThat(manifests).isNotEmpty();
    }

    static boolean isManifest(Path file) {
        String name = file.getFileName().toString();
        return Files.isRegularFile(file) && name.endsWith(".yaml") && !name.equals("kustomization.yaml");
    }

    static <T extends HasMetadata> List<T> all(Path dir, Class<T> type) {
        return manifests.entrySet().stream()
                .filter(e -> e.getKey().startsWith(dir) && type.isInstance(e.getValue()))
                .map(e -> type.cast(e.getValue()))
                .toList();
    }

    static <T extends HasMetadata> T one(Path dir, Class<T> type) {
        List<T> found = all(dir, type);
        assertThat(found).as("%s in %s", type.getSimpleName(), dir).hasSize(1);
        return found.get(0);
    }

    static List<GenericKubernetesResource> custom(String kind) {
        return all(BASE, GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals(kind))
                .toList();
    }

    static Deployment deployment() {
        return one(BASE, Deployment.class);
    }

    static Container appContainer() {
        List<Container> containers =
                deployment().getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** The base ConfigMap's data (the environment every pod gets). */
    static Map<String, String> baseConfig() {
        return one(BASE, ConfigMap.class).getData();
    }

    static String effective(String key) {
        return baseConfig().getOrDefault(AppConfigKeys.envName(key), app.defaultOf(key));
    }

    @Test
    void probesAskTheAppsHealthEndpointsOnItsManagementPortWhichTheServiceDoesNotExpose() {
        // The defaults hold: nothing moves the health endpoints or the port elsewhere.
        assertThat(app.defaults())
                .doesNotContainKeys(
                        "quarkus.http.non-application-root-path",
                        "quarkus.smallrye-health.root-path",
                        "quarkus.smallrye-health.liveness-path",
                        "quarkus.smallrye-health.readiness-path",
                        "quarkus.smallrye-health.startup-path");
        int httpPort = Integer.parseInt(effective("quarkus.http.port"));
        assertThat(httpPort).isEqualTo(8080);
        assertThat(app.defaults()).containsEntry("quarkus.management.enabled", "true");
        int managementPort = Integer.parseInt(effective("quarkus.management.port"));
        assertThat(managementPort).isEqualTo(9000);

        Container container = appContainer();
        ContainerPort http = container.getPorts().stream()
                .filter(p -> "http".equals(p.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(http.getContainerPort()).isEqualTo(httpPort);

        Map<String, Probe> probes = Map.of(
                "/q/health/started", container.getStartupProbe(),
                "/q/health/live", container.getLivenessProbe(),
                "/q/health/ready", container.getReadinessProbe());
        probes.forEach((path, probe) -> {
            assertThat(probe).as("probe for %s", path).isNotNull();
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get.getPath()).isEqualTo(path);
            assertThat(portNumber(
                            container, get.getPort().getIntVal(), get.getPort().getStrVal()))
                    .as("port of the probe for %s", path)
                    .isEqualTo(managementPort);
        });

        List<Service> services = all(BASE, Service.class);
        assertThat(services)
                .extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("tidings", "tidings-bounces");
        Service service = services.stream()
                .filter(s -> s.getMetadata().getName().equals("tidings"))
                .findFirst()
                .orElseThrow();
        assertThat(service.getSpec().getSelector())
                .isEqualTo(deployment().getSpec().getSelector().getMatchLabels());
        assertThat(service.getSpec().getPorts()).allSatisfy(port -> assertThat(portNumber(
                        container,
                        port.getTargetPort().getIntVal(),
                        port.getTargetPort().getStrVal()))
                .isEqualTo(httpPort));

        // The bounce mailbox's Service: port 25 to the listener's port (tidings.bounces.port), never the management
        // port.
        Service bounces = services.stream()
                .filter(s -> s.getMetadata().getName().equals("tidings-bounces"))
                .findFirst()
                .orElseThrow();
        assertThat(bounces.getSpec().getSelector())
                .isEqualTo(deployment().getSpec().getSelector().getMatchLabels());
        assertThat(bounces.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(25);
            assertThat(portNumber(
                            container,
                            port.getTargetPort().getIntVal(),
                            port.getTargetPort().getStrVal()))
                    .isEqualTo(Integer.parseInt(baseConfig().get("TIDINGS_BOUNCES_PORT")))
                    .isNotEqualTo(managementPort);
        });
    }

    static int portNumber(Container container, Integer number, String name) {
        if (number != null) {
            return number;
        }
        return container.getPorts().stream()
                .filter(p -> name.equals(p.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name))
                .getContainerPort();
    }

    @Test
    void everyEnvironmentVariableIsAConfigKeyTheAppKnows() {
        Deployment deployment = deployment();
        Container container = appContainer();
        Set<String> configMaps = new TreeSet<>();
        Set<String> secrets = new TreeSet<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            assertThat(from.getPrefix()).isNull();
            if (from.getConfigMapRef() != null) {
                configMaps.add(from.getConfigMapRef().getName());
            }
            if (from.getSecretRef() != null) {
                secrets.add(from.getSecretRef().getName());
            }
        }
        assertThat(configMaps).containsExactly("tidings-config");
        assertThat(secrets).containsExactly("tidings-secrets");

        Map<String, String> envSources = new LinkedHashMap<>();
        for (EnvVar env : container.getEnv()) {
            envSources.put(
                    env.getName(), "Deployment " + deployment.getMetadata().getName());
        }
        // The ConfigMaps and Secrets that become environment variables, base and overlay patches alike.
        manifests.forEach((path, resource) -> {
            String name = resource.getMetadata().getName();
            if (resource instanceof ConfigMap map && configMaps.contains(name)) {
                map.getData().keySet().forEach(key -> envSources.put(key, KUBERNETES.relativize(path) + ""));
            }
            if (resource instanceof Secret secret && secrets.contains(name)) {
                keys(secret).forEach(key -> envSources.put(key, KUBERNETES.relativize(path) + ""));
            }
        });
        assertThat(envSources).isNotEmpty();
        envSources.forEach((env, source) -> assertThat(app.knowsEnv(env))
                .as("%s (in %s) is a config key of the app", env, source)
                .isTrue());

        // What the app cannot run without in a cluster is all there, and not pointing at the pod itself.
        Set<String> provided = new TreeSet<>(baseConfig().keySet());
        provided.addAll(keys(secret("tidings-secrets")));
        container.getEnv().forEach(env -> provided.add(env.getName()));
        assertThat(provided).containsAll(app.requiredEnv());
        baseConfig().forEach((env, value) -> assertThat(AppConfigKeys.pointsAtLoopback(value))
                .as("%s=%s", env, value)
                .isFalse());
        assertThat(baseConfig().get("TIDINGS_PUBLIC_URL")).startsWith("https://");
        assertThat(baseConfig().get("TIDINGS_AUTH_COOKIE_SECURE")).isNotEqualTo("false");
        // Client addresses come from X-Forwarded-For only when an ingress in the trusted range sent it.
        assertThat(baseConfig()).containsEntry("QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING", "true");
        assertThat(baseConfig().get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES"))
                .isNotBlank()
                .doesNotContain("0.0.0.0/0")
                .doesNotContain("::/0");
        assertThat(baseConfig().getOrDefault("TIDINGS_DEMO_ENABLED", "false")).isEqualTo("false");

        // Variables taken from single Secret keys point at keys that exist.
        for (EnvVar env : container.getEnv()) {
            if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                var ref = env.getValueFrom().getSecretKeyRef();
                assertThat(keys(secret(ref.getName()))).as(env.getName()).contains(ref.getKey());
            }
        }
    }

    static Secret secret(String name) {
        return all(BASE, Secret.class).stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Secret " + name + " in the base"));
    }

    static Set<String> keys(Secret secret) {
        Set<String> keys = new TreeSet<>();
        if (secret.getStringData() != null) {
            keys.addAll(secret.getStringData().keySet());
        }
        if (secret.getData() != null) {
            keys.addAll(secret.getData().keySet());
        }
        return keys;
    }

    @Test
    void secretsAreTemplatesWithPlaceholdersOnly() {
        List<Secret> secrets = all(BASE, Secret.class);
        assertThat(secrets).isNotEmpty();
        for (Secret secret : secrets) {
            assertThat(secret.getData())
                    .as("base64 data hides what is committed")
                    .isNullOrEmpty();
            secret.getStringData().forEach((key, value) -> assertThat(
                            value.startsWith("REPLACE_ME") || key.equals("username"))
                    .as("%s of %s is a placeholder", key, secret.getMetadata().getName())
                    .isTrue());
        }
        Set<String> appSecretKeys = keys(secret("tidings-secrets"));
        assertThat(appSecretKeys)
                .contains(
                        AppConfigKeys.envName("tidings.secret-key"),
                        AppConfigKeys.envName("tidings.webhooks.secret"),
                        AppConfigKeys.envName("quarkus.mailer.password"));
    }

    @Test
    void kafkaTopicsMatchTheAppsTopicsAndPartitions() {
        List<GenericKubernetesResource> topics = custom("KafkaTopic");
        assertThat(topics).allSatisfy(t -> assertThat(t.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2"));
        Map<String, GenericKubernetesResource> byTopic = new HashMap<>();
        topics.forEach(t -> byTopic.put(t.get("spec", "topicName"), t));

        String sendJobs = app.defaultOf("mp.messaging.incoming.send-jobs.topic");
        String deadLetters = app.defaultOf("mp.messaging.incoming.send-jobs.dead-letter-queue.topic");
        assertThat(sendJobs)
                .isEqualTo(TopicSetup.SEND_JOBS)
                .isEqualTo(app.defaultOf("mp.messaging.outgoing.send-jobs-out.topic"));
        assertThat(deadLetters).isEqualTo(TopicSetup.DEAD_LETTERS);
        String events = app.defaultOf("mp.messaging.incoming.events.topic");
        assertThat(events).isEqualTo(dev.tidings.common.EngagementEvent.TOPIC);
        assertThat(byTopic).containsOnlyKeys(sendJobs, deadLetters, events);
        assertThat((Integer) byTopic.get(events).get("spec", "partitions"))
                .isEqualTo(AppConfigKeys.defaultPartitions());

        int partitions = AppConfigKeys.defaultPartitions();
        assertThat(Integer.parseInt(app.defaultOf("tidings.delivery.partitions")))
                .isEqualTo(partitions);
        assertThat((Integer) byTopic.get(sendJobs).get("spec", "partitions")).isEqualTo(partitions);
        assertThat(Integer.parseInt(effective("tidings.delivery.partitions"))).isEqualTo(partitions);

        // More replicas than partitions would be consumers without work.
        HorizontalPodAutoscaler hpa = one(BASE, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMaxReplicas()).isLessThanOrEqualTo(partitions);

        // The topics belong to the Kafka cluster the app connects to (Strimzi: <cluster>-kafka-bootstrap).
        String bootstrap = baseConfig().get("KAFKA_BOOTSTRAP_SERVERS");
        for (GenericKubernetesResource topic : topics) {
            String cluster = topic.getMetadata().getLabels().get("strimzi.io/cluster");
            assertThat(bootstrap).startsWith(cluster + "-kafka-bootstrap:");
            assertThat((Integer) topic.get("spec", "replicas")).isPositive();
        }
    }

    @Test
    void theDatabaseClusterIsTheOneTheAppConnectsTo() {
        List<GenericKubernetesResource> clusters = custom("Cluster");
        assertThat(clusters).hasSize(1);
        GenericKubernetesResource cluster = clusters.get(0);
        assertThat(cluster.getApiVersion()).isEqualTo("postgresql.cnpg.io/v1");
        String primary = cluster.getMetadata().getName() + "-rw";
        String database = cluster.get("spec", "bootstrap", "initdb", "database");

        URI reactive = URI.create(baseConfig().get("QUARKUS_DATASOURCE_REACTIVE_URL"));
        URI jdbc = URI.create(baseConfig().get("QUARKUS_DATASOURCE_JDBC_URL").substring("jdbc:".length()));
        for (URI url : List.of(reactive, jdbc)) {
            assertThat(url.getScheme()).isEqualTo("postgresql");
            assertThat(url.getHost()).isEqualTo(primary);
            assertThat(url.getPort()).isEqualTo(5432);
            assertThat(url.getPath()).isEqualTo("/" + database);
        }

        // CloudNativePG creates the owner from the same Secret the app logs in with.
        String credentials = cluster.get("spec", "bootstrap", "initdb", "secret", "name");
        Map<String, String> fromSecret = appContainer().getEnv().stream()
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .collect(Collectors.toMap(
                        EnvVar::getName, e -> e.getValueFrom().getSecretKeyRef().getName()));
        assertThat(fromSecret)
                .containsEntry("QUARKUS_DATASOURCE_USERNAME", credentials)
                .containsEntry("QUARKUS_DATASOURCE_PASSWORD", credentials);
        Secret secret = secret(credentials);
        assertThat(secret.getType()).isEqualTo("kubernetes.io/basic-auth");
        assertThat(secret.getStringData().get("username"))
                .isEqualTo(cluster.get("spec", "bootstrap", "initdb", "owner"));
    }

    @Test
    void everyImageHasAPinnedTag() throws IOException {
        List<String> images = new ArrayList<>();
        for (Deployment deployment : all(KUBERNETES, Deployment.class)) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            pod.getContainers().forEach(c -> images.add(c.getImage()));
            pod.getInitContainers().forEach(c -> images.add(c.getImage()));
        }
        custom("Cluster").forEach(c -> images.add(c.get("spec", "imageName")));
        assertThat(images).isNotEmpty().allSatisfy(KubernetesManifestsTest::assertPinned);

        // Overlays retag the image: to a pinned tag, and only images the base uses.
        Set<String> names =
                images.stream().map(i -> i.substring(0, i.lastIndexOf(':'))).collect(Collectors.toSet());
        for (Map<String, Object> image : this.<Map<String, Object>>entries(kustomization(OVERLAY), "images")) {
            assertThat(names).contains((String) image.get("name"));
            String tag = (String) image.get("newTag");
            assertThat(tag).isNotBlank().isNotEqualToIgnoringCase("latest");
        }
    }

    static void assertPinned(String image) {
        assertThat(image).as("image").isNotBlank();
        if (image.contains("@sha256:")) {
            return;
        }
        String last = image.substring(image.lastIndexOf('/') + 1);
        assertThat(last).as("%s has a tag", image).contains(":");
        assertThat(last.substring(last.indexOf(':') + 1))
                .as("tag of %s", image)
                .isNotBlank()
                .isNotEqualToIgnoringCase("latest");
    }

    @Test
    void theAppIsSizedSecuredAndDrainsWithinItsGracePeriod() {
        Deployment deployment = deployment();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);

        for (Container container : pod.getContainers()) {
            var resources = container.getResources();
            assertThat(resources.getRequests())
                    .as("requests of %s", container.getName())
                    .containsKeys("cpu", "memory");
            assertThat(resources.getLimits())
                    .as("limits of %s", container.getName())
                    .containsKeys("cpu", "memory");
            assertThat(container.getSecurityContext().getAllowPrivilegeEscalation())
                    .isFalse();
            assertThat(container.getSecurityContext().getCapabilities().getDrop())
                    .contains("ALL");
        }
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isNotNull().isNotZero();

        // SIGTERM comes after preStop; the app then drains for up to tidings.delivery.shutdown-grace.
        Duration grace = AppConfigKeys.parseDuration(effective("tidings.delivery.shutdown-grace"));
        assertThat(grace).isEqualTo(AppConfigKeys.defaultShutdownGrace());
        List<String> preStop =
                appContainer().getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        long preStopSeconds = Long.parseLong(preStop.get(1));
        assertThat(preStopSeconds).isBetween(1L, 15L);
        assertThat(pod.getTerminationGracePeriodSeconds())
                .as("terminationGracePeriodSeconds")
                .isGreaterThan(preStopSeconds + grace.toSeconds());

        // The autoscaler and the disruption budget act on this Deployment's pods.
        HorizontalPodAutoscaler hpa = one(BASE, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getName())
                .isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMetrics())
                .anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        PodDisruptionBudget pdb = one(BASE, PodDisruptionBudget.class);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void everyKustomizationListsEveryFileOfItsDirectory() throws IOException {
        for (Path dir : List.of(BASE, OVERLAY)) {
            Map<String, Object> kustomization = kustomization(dir);
            Set<String> listed = new TreeSet<>();
            for (String resource : this.<String>entries(kustomization, "resources")) {
                if (!resource.startsWith("../")) {
                    listed.add(resource);
                } else {
                    assertThat(dir.resolve(resource).resolve("kustomization.yaml"))
                            .exists();
                }
            }
            for (Map<String, Object> patch : this.<Map<String, Object>>entries(kustomization, "patches")) {
                listed.add((String) patch.get("path"));
            }
            Set<String> present;
            try (Stream<Path> files = Files.list(dir)) {
                present = files.filter(KubernetesManifestsTest::isManifest)
                        .map(f -> f.getFileName().toString())
                        .collect(Collectors.toCollection(TreeSet::new));
            }
            assertThat(listed).as("files listed by %s/kustomization.yaml", dir).isEqualTo(present);
        }
    }

    static Map<String, Object> kustomization(Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(dir.resolve("kustomization.yaml"))) {
            Map<String, Object> kustomization = new Yaml().load(in);
            assertThat(kustomization).containsEntry("kind", "Kustomization");
            return kustomization;
        }
    }

    @SuppressWarnings("unchecked")
    <T> List<T> entries(Map<String, Object> kustomization, String field) {
        Object value = kustomization.get(field);
        return value == null ? List.of() : (List<T>) value;
    }
}
