package dev.tidings.web;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * Refuses to start when forwarded headers are honoured from anyone. Quarkus trusts every peer's
 * {@code X-Forwarded-For} when {@code quarkus.http.proxy.proxy-address-forwarding} is on and
 * {@code trusted-proxies} is empty; then any client could choose the address every throttle is
 * keyed by. With trusted proxies set, the header of any other peer is ignored.
 */
@ApplicationScoped
public class ProxySettingsCheck {

    static final String FORWARDING = "quarkus.http.proxy.proxy-address-forwarding";
    static final String TRUSTED = "quarkus.http.proxy.trusted-proxies";

    void check(@Observes StartupEvent event, Config config) {
        problem(
                        config.getOptionalValue(FORWARDING, Boolean.class).orElse(false),
                        config.getOptionalValue(TRUSTED, String.class))
                .ifPresent(message -> {
                    throw new ConfigurationException(message);
                });
    }

    static Optional<String> problem(boolean forwarding, Optional<String> trusted) {
        if (!forwarding) {
            return Optional.empty();
        }
        if (trusted.filter(t -> !t.isBlank()).isEmpty()) {
            return Optional.of(FORWARDING + " is on but " + TRUSTED + " is empty, so any client could choose"
                    + " its address with X-Forwarded-For and escape every rate limit. Set " + TRUSTED
                    + " to your reverse proxy's addresses (e.g. 10.0.0.0/8), or turn forwarding off.");
        }
        for (String part : trusted.get().split(",")) {
            String p = part.strip();
            if (p.equals("0.0.0.0/0") || p.equals("::/0")) {
                return Optional.of(TRUSTED + " contains " + p + ", which trusts every client's X-Forwarded-For;"
                        + " list only your reverse proxy's addresses.");
            }
        }
        return Optional.empty();
    }
}
