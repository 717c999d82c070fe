package dev.tidings.bounce;

import dev.tidings.config.TidingsConfig;
import dev.tidings.delivery.BounceService;
import dev.tidings.delivery.ReturnPath;
import dev.tidings.sender.SenderDomainService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The bounce mailbox: an SMTP listener ({@code tidings.bounces.listen}, port
 * {@code tidings.bounces.port}) for mail returned to the envelope sender
 * {@code bounces+<token>@…} ({@link ReturnPath}). It accepts only recipients whose token is
 * well-formed (others: 550), reads at most {@code max-size} bytes (552 beyond; beyond four times
 * that the connection is dropped), and while the
 * returning server waits, reads the mail ({@link ReturnedMail}) and applies it to the send the
 * signed token names: a hard bounce → the send {@code bounced} and its subscriber suppressed; a
 * soft one → noted on the send; a complaint → {@code complained}. A token that does not verify, or
 * a mail that is no bounce (an auto-reply, spam), is dropped and counted, never acted on. If the
 * database cannot take the report, the answer is 451 and the returning server tries again later:
 * nothing is lost.
 */
@ApplicationScoped
public class BounceMailbox {

    private static final Logger LOG = Logger.getLogger(BounceMailbox.class);
    private static final int MAX_RECIPIENTS = 10;

    private final TidingsConfig config;
    private final ReturnPath returnPath;
    private final BounceService bounces;
    private final MeterRegistry metrics;
    private final String hostName;
    private volatile SMTPServer server;

    public BounceMailbox(TidingsConfig config, ReturnPath returnPath, BounceService bounces, MeterRegistry metrics) {
        this.config = config;
        this.returnPath = returnPath;
        this.bounces = bounces;
        this.metrics = metrics;
        this.hostName = SenderDomainService.bounceDomain(config);
    }

    void start(@Observes StartupEvent event) throws UnknownHostException {
        TidingsConfig.Bounces settings = config.bounces();
        if (!settings.listen()) {
            return;
        }
        SMTPServer smtp = SMTPServer.port(settings.port())
                .bindAddress(InetAddress.getByName(settings.host()))
                .hostName(hostName)
                .softwareName("Tidings bounce mailbox")
                .maxConnections(settings.maxConnections())
                // Beyond max-size the mail is read to its end and refused with 552; beyond four times
                // that, the listener stops reading and drops the connection.
                .maxMessageSize(settings.maxSize() * 4)
                .maxRecipients(MAX_RECIPIENTS)
                .connectionTimeout((int) settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .messageHandlerFactory(context -> new Returned())
                .build();
        smtp.start();
        server = smtp;
        LOG.infof(
                "Bounce mailbox listening on %s:%d for bounces+…@%s",
                settings.host(), smtp.getPortAllocated(), hostName);
    }

    void stop(@Observes ShutdownEvent event) {
        SMTPServer smtp = server;
        if (smtp != null) {
            smtp.stop();
        }
    }

    /** The port the listener took (the configured one, or the one given for port 0); -1 when it does not run. */
    public int port() {
        SMTPServer smtp = server;
        return smtp == null ? -1 : smtp.getPortAllocated();
    }

    /** What happened to one returned mail: counted as {@code tidings_returned_mail_total{result}}. */
    enum Result {
        HARD,
        SOFT,
        COMPLAINT,
        /** Not a bounce or complaint (an auto-reply, a delay notice without a failure, spam). */
        IGNORED,
        /** No token that verifies: dropped. */
        UNKNOWN_TOKEN,
        /** A genuine token whose send is gone. */
        UNKNOWN_SEND
    }

    /**
     * Reads and applies one returned mail; blocking (the listener's own thread, never an event
     * loop). Throws when the report could not be stored, so the sender is told to try again.
     */
    Result receive(List<String> recipientTokens, byte[] raw) {
        ReturnedMail.Report report = ReturnedMail.parse(raw);
        Set<String> candidates = new LinkedHashSet<>(recipientTokens);
        candidates.addAll(report.returnTokens());
        Optional<UUID> send = Optional.empty();
        for (String token : candidates) {
            send = returnPath.verify(token);
            if (send.isPresent()) {
                break;
            }
        }
        Result result;
        if (send.isEmpty()) {
            result = Result.UNKNOWN_TOKEN;
        } else {
            BounceService.Kind kind =
                    switch (report.kind()) {
                        case HARD -> BounceService.Kind.HARD;
                        case SOFT -> BounceService.Kind.SOFT;
                        case COMPLAINT -> BounceService.Kind.COMPLAINT;
                        case NONE -> null;
                    };
            if (kind == null) {
                result = Result.IGNORED;
            } else {
                String source = "returned by mail (" + report.format() + ")";
                String diagnostic = diagnostic(report);
                boolean known = bounces.reportSend(send.get(), kind, source, diagnostic)
                        .await()
                        .atMost(Duration.ofSeconds(20));
                result = !known
                        ? Result.UNKNOWN_SEND
                        : Result.valueOf(report.kind().name());
            }
        }
        metrics.counter("tidings_returned_mail_total", "result", result.name().toLowerCase(java.util.Locale.ROOT))
                .increment();
        LOG.debugf("Returned mail: %s (%s) for send %s", result, report.format(), send.orElse(null));
        return result;
    }

    private static String diagnostic(ReturnedMail.Report report) {
        StringBuilder text = new StringBuilder();
        if (report.status() != null) {
            text.append(report.status());
        }
        if (report.diagnostic() != null) {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(report.diagnostic());
        }
        return text.isEmpty() ? null : text.toString();
    }

    /** One SMTP transaction of the listener. */
    private final class Returned implements MessageHandler {

        private final List<String> tokens = new ArrayList<>();

        @Override
        public void from(String from) {
            // Bounces come from the null sender <>; anything is accepted and judged by its content.
        }

        @Override
        public void recipient(String recipient) throws RejectException {
            String token = ReturnPath.tokenOf(recipient);
            if (token == null) {
                throw new RejectException(550, "5.1.1 No such mailbox here: only returned mail is accepted");
            }
            tokens.add(token);
        }

        @Override
        public String data(InputStream data) throws RejectException, IOException {
            int max = config.bounces().maxSize();
            byte[] raw = data.readNBytes(max + 1);
            if (raw.length > max) {
                data.transferTo(java.io.OutputStream.nullOutputStream());
                throw new RejectException(
                        552, "5.3.4 Message too big for the bounce mailbox (at most " + max + " bytes)");
            }
            try {
                receive(tokens, raw);
            } catch (RuntimeException e) {
                LOG.warn("A returned mail could not be applied; the sender was asked to try again", e);
                throw new RejectException(451, "4.3.0 Temporary failure, please try again later");
            }
            return null;
        }

        @Override
        public void done() {}
    }
}
