package dev.tidings.delivery;

import dev.tidings.delivery.smtp.SmtpClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transport seam: sends one composed message over the pooled, pipelined SMTP connections
 * (at most {@code quarkus.mailer.max-pool-size}). Fails with the server's reply
 * ({@code SmtpReplyException}) or a connection fault ({@code SmtpFault}); the consumer decides what
 * that means.
 */
@ApplicationScoped
public class MailTransport {

    private final SmtpClient smtp;

    public MailTransport(SmtpClient smtp) {
        this.smtp = smtp;
    }

    public Uni<Void> send(MailComposer.OutgoingMail mail) {
        return smtp.send(mail.from(), mail.to(), mail.message());
    }
}
