package dev.tidings.delivery;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transport seam: sends one message over the mailer's pooled SMTP connections (size
 * {@code quarkus.mailer.max-pool-size}). Fails with the server's reply (SMTPException) or a
 * connection fault; the consumer decides what that means.
 */
@ApplicationScoped
public class MailTransport {

    private final ReactiveMailer mailer;

    public MailTransport(ReactiveMailer mailer) {
        this.mailer = mailer;
    }

    public Uni<Void> send(Mail mail) {
        return mailer.send(mail);
    }
}
