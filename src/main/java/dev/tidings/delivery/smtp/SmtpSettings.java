package dev.tidings.delivery.smtp;

import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * Where and how the delivery transport talks SMTP. It reads the same {@code quarkus.mailer.*} keys
 * as the Quarkus mailer (which still sends account and confirmation mails), so one set of settings
 * configures both: host, port, tls, start-tls, trust-all, username/password, max-pool-size, and
 * DKIM (enabled, private-key or private-key-path, sdid, selector, signed-headers).
 */
@ApplicationScoped
public class SmtpSettings {

    // Set once from the configuration (package-private so that the transport's tests can build
    // settings of their own).
    String host;
    int port;
    /** SMTPS: TLS from the first byte. */
    boolean tls;
    /** DISABLED, OPTIONAL (use it when offered) or REQUIRED. */
    String startTls;

    boolean trustAll;
    Optional<String> username;
    Optional<String> password;
    int maxConnections;
    /** The name this client gives in EHLO. */
    Optional<String> ownHostName;

    Duration replyTimeout;
    Duration idleTimeout;
    String localHostName;
    boolean allowInsecureAuth;
    boolean dkimEnabled;
    Optional<String> dkimKey;
    Optional<String> dkimKeyPath;
    Optional<String> dkimDomain;
    Optional<String> dkimSelector;
    List<String> dkimHeaders;

    /** For tests: every field set by hand. */
    SmtpSettings() {}

    /**
     * The Quarkus mailer's own keys are not ours to map ({@code quarkus.*}); they are read here,
     * once, with the defaults the mailer uses. Tidings' keys come from {@link TidingsConfig}.
     */
    @Inject
    public SmtpSettings(Config mp, TidingsConfig config) {
        host = mp.getOptionalValue("quarkus.mailer.host", String.class).orElse("127.0.0.1");
        port = mp.getOptionalValue("quarkus.mailer.port", Integer.class).orElse(25);
        tls = mp.getOptionalValue("quarkus.mailer.tls", Boolean.class).orElse(false);
        startTls = mp.getOptionalValue("quarkus.mailer.start-tls", String.class).orElse("OPTIONAL");
        trustAll =
                mp.getOptionalValue("quarkus.mailer.trust-all", Boolean.class).orElse(false);
        username = mp.getOptionalValue("quarkus.mailer.username", String.class);
        password = mp.getOptionalValue("quarkus.mailer.password", String.class);
        maxConnections = mp.getOptionalValue("quarkus.mailer.max-pool-size", Integer.class)
                .orElse(64);
        ownHostName = mp.getOptionalValue("quarkus.mailer.own-host-name", String.class);
        dkimEnabled = mp.getOptionalValue("quarkus.mailer.dkim.enabled", Boolean.class)
                .orElse(false);
        dkimKey = mp.getOptionalValue("quarkus.mailer.dkim.private-key", String.class);
        dkimKeyPath = mp.getOptionalValue("quarkus.mailer.dkim.private-key-path", String.class);
        dkimDomain = mp.getOptionalValue("quarkus.mailer.dkim.sdid", String.class);
        dkimSelector = mp.getOptionalValue("quarkus.mailer.dkim.selector", String.class);
        dkimHeaders = mp.getOptionalValues("quarkus.mailer.dkim.signed-headers", String.class)
                .orElse(List.of(
                        "From", "Reply-To", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"));
        replyTimeout = config.delivery().smtpTimeout();
        idleTimeout = config.delivery().smtpIdleTimeout();
        allowInsecureAuth = config.delivery().smtpAllowInsecureAuth();
        if (ownHostName.filter(h -> !h.isBlank()).isEmpty()) {
            try {
                localHostName = java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.io.IOException e) {
                localHostName = "localhost";
            }
        }
    }

    /**
     * The settings of a named relay ({@code tidings.relays.<name>.*}): its own address, TLS,
     * credentials and pool size; timeouts, EHLO name and DKIM as configured for delivery. Refuses
     * credentials that could travel without TLS, as for the mailer.
     */
    public SmtpSettings forRelay(String name, TidingsConfig.Relay relay) {
        SmtpSettings copy = new SmtpSettings();
        copy.host = relay.host();
        copy.port = relay.port();
        copy.tls = relay.tls();
        copy.startTls = relay.startTls();
        copy.trustAll = relay.trustAll();
        copy.username = relay.username();
        copy.password = relay.password();
        copy.maxConnections = relay.maxConnections();
        copy.ownHostName = ownHostName;
        copy.localHostName = localHostName;
        copy.replyTimeout = replyTimeout;
        copy.idleTimeout = idleTimeout;
        copy.allowInsecureAuth = allowInsecureAuth;
        copy.dkimEnabled = dkimEnabled;
        copy.dkimKey = dkimKey;
        copy.dkimKeyPath = dkimKeyPath;
        copy.dkimDomain = dkimDomain;
        copy.dkimSelector = dkimSelector;
        copy.dkimHeaders = dkimHeaders;
        if (copy.username().isPresent() && !copy.tls && !copy.startTlsRequired() && !allowInsecureAuth) {
            throw new ConfigurationException("tidings.relays." + name + ".username is set but the connection may be"
                    + " without TLS: set tidings.relays." + name + ".tls=true or .start-tls=REQUIRED (or, for a relay"
                    + " on a trusted network, tidings.delivery.smtp-allow-insecure-auth=true)");
        }
        return copy;
    }

    /**
     * The Quarkus mailer (account and confirmation mails) uses these credentials too, and would
     * send them without TLS when the server offers no STARTTLS: refuse to start in that case
     * rather than leak the password, unless explicitly allowed.
     */
    void refuseCredentialsInTheClear(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent event) {
        SigningProvider.get(); // loads the native provider now, not on an event loop at the first mail
        if (username().isPresent() && !tls && !startTlsRequired() && !allowInsecureAuth) {
            throw new ConfigurationException("quarkus.mailer.username is set but the connection may be without TLS:"
                    + " set quarkus.mailer.tls=true or quarkus.mailer.start-tls=REQUIRED (or, for a relay on a"
                    + " trusted network, tidings.delivery.smtp-allow-insecure-auth=true)");
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public boolean tls() {
        return tls;
    }

    public boolean startTlsRequired() {
        return "REQUIRED".equalsIgnoreCase(startTls);
    }

    public boolean startTlsWanted() {
        return !"DISABLED".equalsIgnoreCase(startTls);
    }

    public boolean trustAll() {
        return trustAll;
    }

    public Optional<String> username() {
        return username.filter(u -> !u.isBlank());
    }

    public String password() {
        return password.orElse("");
    }

    /** Whether credentials may be sent over a connection without TLS (off unless configured). */
    public boolean allowInsecureAuth() {
        return allowInsecureAuth;
    }

    public int maxConnections() {
        return Math.max(1, maxConnections);
    }

    /** Resolved once: EHLO is said on the event loop, where a name lookup must not block. */
    public String ownHostName() {
        String name = ownHostName.filter(h -> !h.isBlank()).orElse(localHostName);
        return name == null ? "localhost" : name;
    }

    public Duration replyTimeout() {
        return replyTimeout;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** The signer when DKIM is enabled; a missing or unreadable key stops start-up with a clear message. */
    public Optional<DkimSigner> dkim() {
        if (!dkimEnabled) {
            return Optional.empty();
        }
        String key = dkimKey.filter(k -> !k.isBlank()).orElseGet(this::keyFromFile);
        String domain = dkimDomain.filter(d -> !d.isBlank()).orElseThrow(() -> missing("sdid"));
        String selector = dkimSelector.filter(d -> !d.isBlank()).orElseThrow(() -> missing("selector"));
        List<String> headers = signedHeaders();
        try {
            return Optional.of(new DkimSigner(key, domain, selector, headers));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("quarkus.mailer.dkim: " + e.getMessage());
        }
    }

    /**
     * A signer for a sender domain's own key, over the configured headers
     * ({@code quarkus.mailer.dkim.signed-headers}, which cover List-Unsubscribe and
     * List-Unsubscribe-Post), whether or not the operator's own DKIM is enabled.
     */
    public DkimSigner dkimFor(String privateKey, String domain, String selector) {
        return new DkimSigner(privateKey, domain, selector, signedHeaders());
    }

    private List<String> signedHeaders() {
        return dkimHeaders.stream()
                .flatMap(h -> Arrays.stream(h.split(",")))
                .map(String::strip)
                .filter(h -> !h.isEmpty())
                .toList();
    }

    private String keyFromFile() {
        String path =
                dkimKeyPath.filter(p -> !p.isBlank()).orElseThrow(() -> missing("private-key or private-key-path"));
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new ConfigurationException("quarkus.mailer.dkim.private-key-path: cannot read " + path);
        }
    }

    private static ConfigurationException missing(String key) {
        return new ConfigurationException("DKIM is enabled but quarkus.mailer.dkim." + key + " is not set");
    }
}
