package dev.tidings.config;

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

    /**
     * SMTP relays for bulk delivery, by name ({@code tidings.relays.<name>.*}). None: the one relay
     * of {@code quarkus.mailer.*}, as before. Names: letters, digits, '-' and '_'.
     */
    java.util.Map<String, Relay> relays();

    Webhooks webhooks();

    /** Sender identity: verified sender domains, their DKIM keys, the operator's shared domains. */
    Sender sender();

    /** The bounce mailbox: the envelope sender of every mail and the inbound SMTP listener it reaches. */
    Bounces bounces();

    Http http();

    @io.smallrye.config.WithName("import")
    Import importing();

    Templates templates();

    Quotas quotas();

    Events events();

    /** Engagement tracking (opens and clicks, opt-in per newsletter) and its event stream. */
    interface Events {
        /** How long raw events (the activity feed) are kept; the report's aggregates are kept for good. */
        @WithDefault("90d")
        Duration retention();

        /** An open this soon after the mail was delivered is a machine's (a prefetching proxy or scanner). */
        @WithDefault("5s")
        Duration machineOpenWithin();

        /** A click this soon after delivery is a link scanner's. */
        @WithDefault("10s")
        Duration machineClickWithin();

        /** Clicks on two different links of one mail this close together are a link scanner's. */
        @WithDefault("2s")
        Duration scannerBurst();

        /**
         * How long the event producer waits to fill a batch (Kafka's linger.ms): longer means
         * fewer produce requests under load, and that much more on an answer at worst.
         */
        @WithDefault("1ms")
        Duration producerLinger();

        /** Events the consumer stores per transaction. */
        @WithDefault("500")
        int batchSize();
    }

    interface Sender {
        /**
         * Domains every writer may send from without verifying one of their own (the operator's),
         * comma-separated; mail from them is signed with {@code quarkus.mailer.dkim.*} when enabled.
         * Unset: only verified sender domains.
         */
        Optional<java.util.List<String>> sharedDomains();

        /**
         * Encrypts the sender domains' DKIM private keys at rest (AES-256-GCM under the SHA-256 of
         * this text; at least 32 characters). Unset: sender domains cannot be added. Changing it
         * makes the stored keys unreadable: their domains must be added again.
         */
        Optional<String> keyEncryptionKey();

        /**
         * DNS servers that verification asks, {@code host[:port]}, comma-separated. Unset: the
         * system's resolvers.
         */
        Optional<java.util.List<String>> dnsServers();

        /** How long one DNS lookup may take. */
        @WithDefault("5s")
        Duration dnsTimeout();

        /** The DKIM selector is this followed by the year and month the key was made, e.g. tidings202612. */
        @WithDefault("tidings")
        String selectorPrefix();

        /** The label of the return-path host each sender domain points at the bounce domain (CNAME). */
        @WithDefault("tidings-bounces")
        String returnPathLabel();

        /** Every sender domain's records are checked again this often (a verified one can start failing). */
        @WithDefault("6h")
        Duration recheckEvery();

        /** A domain never verified is released after this long, so nobody can hold a domain they do not own. */
        @WithDefault("7d")
        Duration pendingTtl();

        /** Sender domains per account. */
        @WithDefault("20")
        int maxPerAccount();

        /** Domains an account may add per hour (each makes an RSA key pair, ~0.1 s of a core). */
        @WithDefault("30")
        int addsPerHour();

        /** Verifications (each a handful of DNS lookups) an account may ask for per hour. */
        @WithDefault("60")
        int verifiesPerHour();

        /** What the suggested SPF record includes. Unset: the bounce domain. */
        Optional<String> spfInclude();
    }

    interface Bounces {
        /**
         * The domain of the envelope sender {@code bounces+<token>@<domain>} of mail from shared
         * domains, and the target of each sender domain's return-path CNAME; its MX must reach the
         * inbound listener. Unset: the host of {@code tidings.public-url}.
         */
        Optional<String> domain();

        /** Whether the inbound SMTP listener that reads returned mail runs (on in the local run and the deploy examples). */
        @WithDefault("false")
        boolean listen();

        /** The listener's address. */
        @WithDefault("0.0.0.0")
        String host();

        /** The listener's port (25 in front of it: a Service or a port mapping). */
        @WithDefault("2525")
        int port();

        /** Largest returned mail read, in bytes; longer ones are refused with 552. */
        @WithDefault("262144")
        int maxSize();

        /** Connections served at once; more wait for the backlog or are refused. */
        @WithDefault("32")
        int maxConnections();

        /** A connection idle this long is closed. */
        @WithDefault("30s")
        Duration idleTimeout();
    }

    interface Webhooks {
        /**
         * Shared secret of the bounce webhook: callers sign the raw body with HMAC-SHA256 and send
         * {@code X-Tidings-Signature: sha256=<hex>}. Unset: the webhook refuses every call.
         */
        Optional<String> secret();

        /** A signed report whose {@code timestamp} is further than this from now is refused (replays). */
        @WithDefault("5m")
        Duration maxAge();

        /** Amazon SES through SNS ({@code POST /api/webhooks/ses}). */
        Ses ses();

        /** Postmark ({@code POST /api/webhooks/postmark}). */
        Postmark postmark();

        /** Mailgun ({@code POST /api/webhooks/mailgun}). */
        Mailgun mailgun();

        /** SendGrid ({@code POST /api/webhooks/sendgrid}). */
        SendGrid sendgrid();
    }

    interface Ses {
        /**
         * The SNS topics whose notifications are read, comma-separated ARNs (anyone can make an SNS
         * topic, so a valid SNS signature alone proves nothing). Unset: every call is refused.
         */
        Optional<java.util.List<String>> topicArns();

        /** Where SNS signing certificates and subscription confirmations may be fetched from (a full-match regex). */
        @WithDefault("https://sns[.][a-z0-9-]+[.]amazonaws[.]com([.]cn)?/.*")
        String urlPattern();
    }

    interface Postmark {
        /** HTTP basic credentials put in the webhook URL at Postmark. Unset: every call is refused. */
        Optional<String> username();

        Optional<String> password();
    }

    interface Mailgun {
        /** The HTTP webhook signing key from Mailgun's dashboard. Unset: every call is refused. */
        Optional<String> signingKey();
    }

    interface SendGrid {
        /**
         * The verification key of SendGrid's signed event webhook (base64, ECDSA P-256). Unset: every
         * call is refused.
         */
        Optional<String> publicKey();
    }

    interface Http {
        /**
         * Largest JSON or form body any route reads (413 beyond it, counted while reading, chunked or
         * not). The CSV import has its own limit, {@code tidings.import.max-size}.
         */
        @WithDefault("1M")
        io.quarkus.runtime.configuration.MemorySize maxBodySize();
    }

    interface Import {
        /** Largest CSV upload (streamed to a temporary file, never held in memory). */
        @WithDefault("200M")
        io.quarkus.runtime.configuration.MemorySize maxSize();

        /** Longest line of an import, in characters; a longer line is reported as an error and skipped. */
        @WithDefault("65536")
        int maxLineLength();

        /** Imports waiting for a worker across all accounts (each account runs one at a time); more get 503. */
        @WithDefault("16")
        int queue();

        /**
         * How often an instance marks its imports (uploading, waiting, running) as alive; one
         * silent for 2 minutes counts as abandoned by a dead server and is failed.
         */
        @WithDefault("30s")
        Duration heartbeatEvery();

        /** The longest an upload may take (a trickled upload would hold a worker and the slot). */
        @WithDefault("10m")
        Duration maxUploadTime();
    }

    interface Templates {
        /**
         * Work one render of a writer's template may do: every node of the template (expression,
         * section, text) costs a step, and each loop iteration the nodes it repeats. Over it, the
         * render fails (400 at save and preview, a failed send at send time).
         */
        @WithDefault("10000")
        int maxSteps();

        /** Largest rendered subject, HTML or text part of one mail. */
        @WithDefault("2M")
        io.quarkus.runtime.configuration.MemorySize maxOutput();

        /** How long checking a template at save or preview may take before it is refused. */
        @WithDefault("5s")
        Duration checkTimeout();
    }

    interface Quotas {
        /** Test mails one account may send per hour (429 beyond). */
        @WithDefault("50")
        int testMailsPerHour();

        /**
         * Confirmation mails one account's actions may trigger per hour (subscribers added or
         * imported as pending); beyond it, adding a pending subscriber gets 429 and an import leaves
         * the rest pending without a mail.
         */
        @WithDefault("200")
        int confirmationMailsPerHour();
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

        /**
         * Threads that render, compose and DKIM-sign mail, off the event loops that move the bytes
         * (an RSA-2048 signature is 0.3 ms of computing); 0 means one per available processor.
         */
        @WithDefault("0")
        int composeThreads();

        /**
         * How long an issue's per-send records are kept after it finished (sent or cancelled);
         * then they are deleted, and its counts (by status, by relay) stay as the record.
         */
        @WithDefault("90d")
        Duration sendRetention();

        /** Send records deleted per statement by the retention (small batches: short locks, little WAL at once). */
        @WithDefault("5000")
        int sendRetentionBatch();

        /** Mails per second per instance; 0 means unlimited. */
        @WithDefault("0")
        int ratePerSecond();

        /** Mails per second per recipient domain and instance, e.g. {@code gmail.com=50,yahoo.com=20}. */
        Optional<String> domainRates();

        /** Waits before each retry of a temporary failure; after the last one the send is failed. */
        @WithDefault("1m,5m,30m,2h,8h,24h")
        java.util.List<Duration> retrySchedule();

        /**
         * How long a claimed send belongs to an instance that has no heartbeat row (a fallback: a
         * live instance keeps its claims, a dead one loses them after dead-after).
         */
        @WithDefault("15m")
        Duration lease();

        /**
         * How long a send deferred by a throttling reply (421, a provider's rate-limit text, a 4xx
         * at MAIL FROM) waits before it is tried again. The domain's rate is cut adaptively meanwhile.
         */
        @WithDefault("30s")
        Duration throttleBackoff();

        /** The lowest rate (mails per second per instance) a throttled domain is cut to. */
        @WithDefault("1")
        double throttleMinRate();

        /**
         * A send to a throttled domain whose turn is further off than this is deferred to its turn
         * rather than held (holding it would keep an in-flight slot from mail to other domains).
         */
        @WithDefault("2s")
        Duration maxDomainWait();

        /** Throttles of one send that do not count as attempts; later ones count like any retry. */
        @WithDefault("5")
        int freeDeferrals();

        /**
         * A send not delivered this long after it was planned is not tried again: failed with its
         * last reply (RFC 5321 4.5.4.1 suggests four to five days; 3 days is common).
         */
        @WithDefault("3d")
        Duration maxAge();

        /** How often each instance writes its heartbeat (and the state the delivery view shows). */
        @WithDefault("3s")
        Duration heartbeatEvery();

        /**
         * An instance whose heartbeat is older than this is taken for dead: its claimed sends are
         * handed to the others at once. A live instance, however slow, keeps its claims.
         */
        @WithDefault("30s")
        Duration deadAfter();

        /**
         * The shortest wait before a send put on Kafka and never claimed is put on Kafka again (its
         * record was lost with the broker). The wait grows to twice the consumers' lag when they
         * are behind, so a backlog is not produced twice.
         */
        @WithDefault("20s")
        Duration redispatchAfter();

        /** Sends per Kafka record (one claim statement each). */
        @WithDefault("100")
        int jobSize();

        /** Subscribers planned (send records created and put on Kafka) per dispatcher transaction. */
        @WithDefault("1000")
        int planBatch();

        /**
         * How often the nets run: claims of instances taken for dead, expired leases of no live
         * instance, sends on Kafka that nobody claimed.
         */
        @WithDefault("5s")
        Duration reclaimEvery();

        /** On shutdown, how long in-flight sends may take to finish before the instance stops. */
        @WithDefault("30s")
        Duration shutdownGrace();

        /**
         * Send SMTP credentials over a connection without TLS. Off: AUTH is refused unless the
         * connection is TLS (quarkus.mailer.tls) or upgraded by STARTTLS.
         */
        @WithDefault("false")
        boolean smtpAllowInsecureAuth();

        /** How long to wait for any one SMTP reply before giving the connection up (the mail is retried). */
        @WithDefault("60s")
        Duration smtpTimeout();

        /** Pooled SMTP connections unused this long are closed (servers drop idle ones after a few minutes). */
        @WithDefault("30s")
        Duration smtpIdleTimeout();
    }

    /** One SMTP relay: where it is, how to log in, its share of the mail and its limits. */
    interface Relay {
        String host();

        @WithDefault("587")
        int port();

        /** SMTPS: TLS from the first byte. */
        @WithDefault("false")
        boolean tls();

        /** DISABLED, OPTIONAL or REQUIRED. */
        @WithDefault("OPTIONAL")
        String startTls();

        /** Accept any certificate (a relay on a private network with a self-signed one). */
        @WithDefault("false")
        boolean trustAll();

        Optional<String> username();

        Optional<String> password();

        /** Its share of the mail among the relays a newsletter may use (weighted). */
        @WithDefault("1")
        int weight();

        /** Mails per clock hour through this relay, over every instance; absent: no limit. */
        java.util.OptionalInt perHour();

        /** Mails per UTC day through this relay, over every instance; absent: no limit. */
        java.util.OptionalInt perDay();

        /** Pooled connections to it per instance. */
        @WithDefault("16")
        int maxConnections();

        /**
         * Accounts (sign-in emails) whose newsletters may pin this relay; when set, the relay is
         * theirs alone (not in the shared pool). Absent: shared, and any newsletter may pin it.
         */
        Optional<java.util.List<String>> accounts();
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

        /**
         * Code guesses (verification and reset) evaluated per account and day, whatever the
         * addresses they come from; beyond it every code of the account is refused until the day
         * is over. Keeps a six-digit code out of reach of an attacker with many addresses.
         */
        @WithDefault("30")
        int codeGuessesPerDay();

        /** Wrong guesses after which an emailed code stops working. */
        @WithDefault("5")
        int codeMaxAttempts();

        /**
         * Codes (sign-up, password reset) that one client address may have mailed per hour, to any
         * addresses; the rest are silently dropped. Per requester, so nobody can use up another
         * person's codes.
         */
        @WithDefault("10")
        int codesPerHour();

        Throttle loginThrottle();

        /** Code submissions (verify, password-reset confirm) per client address, counted before checking. */
        AddressThrottle codeThrottle();

        /** Sign-ups per client address, counted before any password is hashed. */
        AddressThrottle signupThrottle();
    }

    interface AddressThrottle {
        /** Requests from one client address within the window before it gets 429. */
        @WithDefault("30")
        int perAddress();

        /** The window; also the longest wait it imposes. */
        @WithDefault("15m")
        Duration window();
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
