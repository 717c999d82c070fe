package dev.tidings.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;
import org.subethamail.smtp.server.SMTPServer;

/**
 * Three more real SMTP servers on TCP ports, configured as the relays {@code alpha}, {@code beta}
 * (shared, equal weight) and {@code limited} (100 mails per hour, reserved to {@link #LIMITED_OWNER}).
 * Tests reach their mailboxes through the static fields, and can stop and start {@code alpha}.
 */
public class RelayServers implements QuarkusTestResourceLifecycleManager {

    public static final String LIMITED_OWNER = "relay-owner@example.com";
    public static final Mailbox ALPHA = new Mailbox();
    public static final Mailbox BETA = new Mailbox();
    public static final Mailbox LIMITED = new Mailbox();
    private static final Map<String, SMTPServer> SERVERS = new HashMap<>();
    private static final Map<String, Integer> PORTS = new HashMap<>();

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        serve("alpha", ALPHA, config);
        serve("beta", BETA, config);
        serve("limited", LIMITED, config);
        config.put("tidings.relays.limited.per-hour", "100");
        config.put("tidings.relays.limited.accounts", LIMITED_OWNER);
        return config;
    }

    private static void serve(String name, Mailbox mailbox, Map<String, String> config) {
        int port = Infra.freePort();
        PORTS.put(name, port);
        SERVERS.put(name, SmtpTestServer.serve(mailbox, port));
        config.put("tidings.relays." + name + ".host", "127.0.0.1");
        config.put("tidings.relays." + name + ".port", "" + port);
        config.put("tidings.relays." + name + ".start-tls", "DISABLED");
    }

    /** Stops the relay's server: connections to it are refused from now on. */
    public static synchronized void kill(String name) {
        SERVERS.remove(name).stop();
    }

    @Override
    public void stop() {
        SERVERS.values().forEach(SMTPServer::stop);
        SERVERS.clear();
    }
}
