package dev.tidings.deploy;

import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration keys the app knows, derived from what it declares: every key of
 * application.properties (without its profile prefix), every {@code tidings.*} key of
 * {@link TidingsConfig} with its {@code @WithDefault}, and a short list of standard Quarkus keys
 * that the app uses at their defaults. Environment variables map to keys as MicroProfile Config
 * does: upper case, every character other than a letter or digit becomes {@code _}.
 */
final class AppConfigKeys {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path APPLICATION_PROPERTIES = ROOT.resolve("src/main/resources/application.properties");

    /** Standard Quarkus keys the app relies on without setting them in application.properties. */
    private static final Map<String, String> STANDARD_QUARKUS_KEYS = Map.of(
            "quarkus.http.port", "8080",
            "quarkus.mailer.username", "",
            "quarkus.mailer.password", "",
            "quarkus.mailer.dkim.enabled", "false",
            "quarkus.mailer.dkim.private-key", "",
            "quarkus.mailer.dkim.private-key-path", "",
            "quarkus.mailer.dkim.sdid", "",
            "quarkus.mailer.dkim.selector", "");

    /** Key -> default value (empty when it has none). */
    private final Map<String, String> defaults;

    private AppConfigKeys(Map<String, String> defaults) {
        this.defaults = Collections.unmodifiableMap(defaults);
    }

    static AppConfigKeys load() {
        Map<String, String> defaults = new TreeMap<>(STANDARD_QUARKUS_KEYS);
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(APPLICATION_PROPERTIES)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> profiled = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith("%")) {
                profiled.put(name.substring(name.indexOf('.') + 1), "");
            } else {
                defaults.put(name, properties.getProperty(name));
            }
        }
        profiled.forEach(defaults::putIfAbsent);
        collectMapping(TidingsConfig.class, "tidings", defaults);
        return new AppConfigKeys(defaults);
    }

    /** Walks a {@code @ConfigMapping} interface: nested interfaces are groups, everything else a key. */
    private static void collectMapping(Class<?> type, String prefix, Map<String, String> into) {
        for (Method method : type.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.isDefault() || method.getParameterCount() > 0) {
                continue;
            }
            io.smallrye.config.WithName name = method.getAnnotation(io.smallrye.config.WithName.class);
            String key = prefix + "." + (name != null ? name.value() : kebab(method.getName()));
            Class<?> returned = method.getReturnType();
            if (returned.isInterface() && returned.getEnclosingClass() == TidingsConfig.class) {
                collectMapping(returned, key, into);
            } else {
                WithDefault value = method.getAnnotation(WithDefault.class);
                into.put(key, value == null ? "" : value.value());
            }
        }
    }

    static String kebab(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code tidings.delivery.partitions} -> {@code TIDINGS_DELIVERY_PARTITIONS}. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    Map<String, String> defaults() {
        return defaults;
    }

    /** The key an environment variable sets, if the app knows one. */
    Optional<String> keyOf(String envName) {
        return defaults.keySet().stream()
                .filter(key -> envName(key).equals(envName))
                .findFirst();
    }

    boolean knowsEnv(String envName) {
        return keyOf(envName).isPresent();
    }

    String defaultOf(String key) {
        if (!defaults.containsKey(key)) {
            throw new IllegalArgumentException("the app has no config key " + key);
        }
        return defaults.get(key);
    }

    /**
     * The environment variables a deployment must set: every key whose default points at this
     * machine (127.0.0.1, localhost) — in a container that is the container itself — plus the
     * credentials and the sender, which have only local-run defaults.
     */
    Set<String> requiredEnv() {
        Set<String> required = new java.util.TreeSet<>();
        defaults.forEach((key, value) -> {
            if (pointsAtLoopback(value)) {
                required.add(envName(key));
            }
        });
        for (String key : new String[] {
            "quarkus.datasource.username", "quarkus.datasource.password", "quarkus.mailer.port", "quarkus.mailer.from"
        }) {
            required.add(envName(defaultsKey(key)));
        }
        return required;
    }

    private String defaultsKey(String key) {
        defaultOf(key);
        return key;
    }

    static boolean pointsAtLoopback(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        return v.contains("127.0.0.1")
                || v.contains("//localhost")
                || v.startsWith("localhost:")
                || v.equals("localhost");
    }

    /** {@code tidings.delivery.partitions}: the partitions the app gives tidings.send-jobs. */
    static int defaultPartitions() {
        return Integer.parseInt(withDefault(TidingsConfig.Delivery.class, "partitions"));
    }

    /** {@code tidings.delivery.shutdown-grace}: how long the app drains on SIGTERM. */
    static Duration defaultShutdownGrace() {
        return parseDuration(withDefault(TidingsConfig.Delivery.class, "shutdownGrace"));
    }

    static Duration parseDuration(String value) {
        return DurationConverter.parseDuration(value);
    }

    private static String withDefault(Class<?> type, String method) {
        try {
            WithDefault value = type.getMethod(method).getAnnotation(WithDefault.class);
            if (value == null) {
                throw new IllegalStateException(type.getSimpleName() + "." + method + " has no @WithDefault");
            }
            return value.value();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }
}
