package dev.tidings.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A real SMTP server (SubEthaSMTP) on a TCP port; the app sends to it through its normal mailer
 * and connection pool. It keeps every accepted message, and tests can script its replies per
 * recipient (a 4xx for the first attempts, a 5xx always) through {@link Mailbox}.
 */
public class SmtpTestServer implements QuarkusTestResourceLifecycleManager {

    private SMTPServer server;
    private Mailbox mailbox;

    @Override
    public Map<String, String> start() {
        int port = Infra.freePort();
        mailbox = new Mailbox();
        server = serve(mailbox, port);
        return Map.of(
                "quarkus.mailer.host", "127.0.0.1",
                "quarkus.mailer.port", "" + port,
                "quarkus.mailer.from", "Tidings <no-reply@tidings.test>");
    }

    /** A started SMTP server on {@code port} that delivers into {@code mailbox}, as scripted there. */
    public static SMTPServer serve(Mailbox mailbox, int port) {
        SMTPServer server = SMTPServer.port(port)
                .bindAddress(InetAddress.getLoopbackAddress())
                .messageHandlerFactory(context -> new Handler(mailbox))
                .build();
        server.start();
        return server;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                mailbox, new TestInjector.AnnotatedAndMatchesType(InjectMailbox.class, Mailbox.class));
    }

    /** For tests that run the app as a process of its own and start this server by hand. */
    public Mailbox mailbox() {
        return mailbox;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** One SMTP transaction: scripted refusals at RCPT, otherwise the message is kept. */
    private static final class Handler implements MessageHandler {
        private final Mailbox mailbox;
        private final List<String> recipients = new ArrayList<>();
        private String from;

        Handler(Mailbox mailbox) {
            this.mailbox = mailbox;
        }

        /** The envelope sender, kept as Return-Path (as the final MTA writes it) for the tests to read. */
        @Override
        public void from(String from) {
            this.from = from;
        }

        @Override
        public void recipient(String recipient) throws RejectException {
            mailbox.pauseFor(recipient);
            String scripted = mailbox.scriptedReplyText(recipient);
            if (scripted != null) {
                throw new RejectException(Integer.parseInt(scripted.substring(0, 3)), scripted.substring(4));
            }
            Integer code = mailbox.scriptedReply(recipient);
            if (code != null) {
                throw new RejectException(code, code >= 500 ? "5.1.1 mailbox unavailable" : "4.2.0 try again later");
            }
            recipients.add(recipient);
        }

        @Override
        public String data(InputStream data) throws IOException {
            byte[] raw = data.readAllBytes();
            try {
                jakarta.mail.internet.MimeMessage message = new jakarta.mail.internet.MimeMessage(
                        jakarta.mail.Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
                if (from != null) {
                    message.setHeader("Return-Path", "<" + from + ">");
                }
                mailbox.accept(message, recipients);
            } catch (jakarta.mail.MessagingException e) {
                throw new IOException(e);
            }
            return null;
        }

        @Override
        public void done() {}
    }
}
