package dev.tidings.web;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Every {@code tidings.*} setting, each with a default that suits a local run. */
@ConfigMapping(prefix = "tidings")
public interface TidingsConfig {

    /** The address people reach this service at; links in mails are built from it. */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    /**
     * Key that signs confirmation and unsubscribe links. Unset: a random key is generated once
     * and kept in the database. Set it to rotate (old links then stop working).
     */
    Optional<String> secretKey();

    Auth auth();

    Signup signup();

    Demo demo();

    Health health();

    Delivery delivery();

    interface Delivery {
        /** A mailbox that unsubscribes by mail, added to List-Unsubscribe as a mailto: link. */
        Optional<String> unsubscribeMailto();
    }

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

    interface Signup {
        /** Public sign-ups accepted from one client address per window. */
        @WithDefault("10")
        int perAddress();

        /** The sign-up rate window. */
        @WithDefault("10m")
        Duration window();

        /** How long a confirmation link works. */
        @WithDefault("7d")
        Duration confirmTtl();

        /** A repeated sign-up re-sends the confirmation mail at most this often. */
        @WithDefault("10m")
        Duration resendAfter();
    }

    interface Demo {
        /** Seed a verified demo account (demo@example.com) on start; for the local run only. */
        @WithDefault("false")
        boolean enabled();
    }
}
