package dev.tidings.web;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Every {@code tidings.*} setting, each with a default that suits a local run. */
@ConfigMapping(prefix = "tidings")
public interface TidingsConfig {

    /** The address people reach this service at; links in mails are built from it. */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    Auth auth();

    Demo demo();

    Health health();

    interface Health {
        /** How long readiness waits for the Kafka cluster to answer before reporting DOWN. */
        @WithDefault("3s")
        Duration kafkaTimeout();
    }

    interface Auth {
        /** Name of the session cookie. */
        @WithDefault("tidings_session")
        String cookieName();

        /** Mark the session cookie {@code Secure}; turn off only for plain-HTTP local use. */
        @WithDefault("true")
        boolean cookieSecure();

        /** How long a login session lasts. */
        @WithDefault("14d")
        Duration sessionTtl();

        /** bcrypt cost factor for password hashes (each +1 doubles the work; at least 10). */
        @WithDefault("12")
        int bcryptCost();

        /** How long an emailed verification or reset code is valid. */
        @WithDefault("15m")
        Duration codeTtl();

        /** Wrong guesses after which an emailed code stops working. */
        @WithDefault("5")
        int codeMaxAttempts();

        /** Codes that may be emailed to one account per hour (the rest are silently dropped). */
        @WithDefault("5")
        int codesPerHour();

        Throttle loginThrottle();
    }

    interface Throttle {
        /** Failed logins for one account within the window before further attempts get 429. */
        @WithDefault("5")
        int perAccount();

        /** Failed logins from one client address within the window before it gets 429. */
        @WithDefault("30")
        int perAddress();

        /** The window over which failures are counted; also the longest wait it imposes. */
        @WithDefault("15m")
        Duration window();
    }

    interface Demo {
        /** Seed a verified demo account (demo@example.com) on start; for the local run only. */
        @WithDefault("false")
        boolean enabled();
    }
}
