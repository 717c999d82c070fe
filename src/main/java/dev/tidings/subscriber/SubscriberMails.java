package dev.tidings.subscriber;

import dev.tidings.common.LinkSigner;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import io.quarkus.mailer.MailTemplate.MailTemplateInstance;
import io.quarkus.qute.CheckedTemplate;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/** The double opt-in mail, from the newsletter's own sender identity. */
@ApplicationScoped
public class SubscriberMails {

    private static final Logger LOG = Logger.getLogger(SubscriberMails.class);

    @CheckedTemplate
    static class Templates {
        static native MailTemplateInstance confirmation(String newsletter, String confirmUrl, long days);
    }

    private final TidingsConfig config;
    private final LinkSigner signer;

    public SubscriberMails(TidingsConfig config, LinkSigner signer) {
        this.config = config;
        this.signer = signer;
    }

    public String confirmUrl(NewsletterDirectory.Ref newsletter, Subscriber subscriber) {
        Instant expires = Instant.now().plus(config.signup().confirmTtl());
        return config.publicUrl() + "/p/" + newsletter.slug() + "/confirm?token="
                + signer.sign(PublicLinks.CONFIRM, subscriber.id(), newsletter.id(), expires);
    }

    /**
     * Sends the confirmation mail after the caller's answer, not before it: the public sign-up
     * answers a new and a known address in the same time (no timing oracle).
     */
    public void sendConfirmationLater(NewsletterDirectory.Ref newsletter, Subscriber subscriber) {
        // Rendered and handed to the mailer on a worker thread, not on the event loop that is
        // about to write the answer.
        sendConfirmation(newsletter, subscriber)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .subscribe()
                .with(ok -> {}, failure -> {});
    }

    /** Sends the confirmation mail; failures are logged (a repeated sign-up sends another). */
    public Uni<Void> sendConfirmation(NewsletterDirectory.Ref newsletter, Subscriber subscriber) {
        MailTemplateInstance mail = Templates.confirmation(
                        newsletter.name(),
                        confirmUrl(newsletter, subscriber),
                        config.signup().confirmTtl().toDays())
                .to(subscriber.email())
                .from(newsletter.sender())
                .subject("Confirm your subscription to " + newsletter.name().replaceAll("[\\r\\n]", " "));
        if (newsletter.replyTo() != null) {
            mail = mail.replyTo(newsletter.replyTo());
        }
        return mail.send()
                .onFailure()
                .invoke(failure -> LOG.warnf(
                        "could not send a confirmation mail for newsletter %s: %s",
                        newsletter.id(), failure.getMessage()))
                .onFailure()
                .recoverWithNull();
    }
}
