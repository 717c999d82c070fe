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

    Webhooks webhooks();

    interface Webhooks {
        /**
         * Shared secret of the bounce webhook: callers sign the raw body with HMAC-SHA256 and send
         * {@code X-Tidings-Signature: sha256=<hex>}. Unset: the webhook refuses every call.
         */
        Optional<String> secret();
    }

    interface Delivery {
        /** A mailbox that unsubscribes by mail, added to List-Unsubscribe as a mailto: link. */
        Optional<String> unsubscribeMailto();

        /** Partitions of the send-jobs topic when this service creates it (the upper bound of consumers). */
        @WithDefault("12")
        int partitions();

        /** Mails in flight at once per instance (SMTP transactions under way). */
        @WithDefault("64")
        int inFlight();

        /** Mails per second per instance; 0 means unlimited. */
        @WithDefault("0")
        int ratePerSecond();

        /** Mails per second per recipient domain and instance, e.g. {@code gmail.com=50,yahoo.com=20}. */
        Optional<String> domainRates();

        /** Waits before each retry of a temporary failure; after the last one the send is failed. */
        @WithDefault("1m,5m,30m,2h,8h,24h")
        java.util.List<Duration> retrySchedule();

        /** How long a claimed send belongs to its instance before a sweeper may hand it to another. */
        @WithDefault("15m")
        Duration lease();

        /** How long a domain is slowed after it answered with a throttling reply (421, 451, 454). */
        @WithDefault("30s")
        Duration throttleBackoff();

        /** Sends per Kafka record (one claim statement each). */
        @WithDefault("100")
        int jobSize();

        /** Subscribers planned (send records created and put on Kafka) per dispatcher transaction. */
        @WithDefault("1000")
        int planBatch();

        /** How often expired leases are looked for (sends of an instance that died). */
        @WithDefault("15s")
        Duration reclaimEvery();

        /** On shutdown, how long in-flight sends may take to finish before the instance stops. */
        @WithDefault("30s")
        Duration shutdownGrace();

        /** How long to wait for any one SMTP reply before giving the connection up (the mail is retried). */
        @WithDefault("60s")
        Duration smtpTimeout();

        /** Pooled SMTP connections unused this long are closed (servers drop idle ones after a few minutes). */
        @WithDefault("30s")
        Duration smtpIdleTimeout();
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
