package dev.tidings.infra;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} and bare {@code --flag} command-line options. */
record Options(Map<String, String> values) {

    static Options parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + args[i]);
            }
            String name = args[i].substring(2);
            boolean hasValue = i + 1 < args.length && !args[i + 1].startsWith("--");
            values.put(name, hasValue ? args[++i] : "true");
        }
        return new Options(values);
    }

    int intValue(String name, int fallback) {
        String value = values.get(name);
        return value == null ? fallback : Integer.parseInt(value);
    }

    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    Path path(String name, String fallback) {
        return Path.of(value(name, fallback)).toAbsolutePath();
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }
}
