package dev.tidings.account;

import dev.tidings.common.EmailAddress;
import dev.tidings.config.TidingsConfig;
import io.quarkus.mailer.MailTemplate.MailTemplateInstance;
import io.quarkus.qute.CheckedTemplate;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The account mails, each an HTML and a plain-text part rendered from Qute templates in {@code
 * templates/AccountMails/}. They are sent after the request's transaction, in the background, so
 * that the answer (and its timing) is the same whether or not a mail was due.
 */
@ApplicationScoped
public class AccountMails {

    private static final Logger LOG = Logger.getLogger(AccountMails.class);

    @CheckedTemplate
    static class Templates {
        static native MailTemplateInstance verificationCode(String code, long minutes, String appUrl);

        static native MailTemplateInstance alreadyRegistered(String appUrl);

        static native MailTemplateInstance signupAgain(String code, long minutes, String appUrl);

        static native MailTemplateInstance resetCode(String code, long minutes, String appUrl);
    }

    private final TidingsConfig config;

    public AccountMails(TidingsConfig config) {
        this.config = config;
    }

    void verificationCode(EmailAddress to, String code) {
        send(
                Templates.verificationCode(code, minutes(), config.publicUrl()),
                to,
                "Your Tidings verification code: " + code);
    }

    /** A second sign-up of an address still unverified: a new code; the first password stays. */
    void signupAgain(EmailAddress to, String code) {
        send(Templates.signupAgain(code, minutes(), config.publicUrl()), to, "Your Tidings verification code: " + code);
    }

    void alreadyRegistered(EmailAddress to) {
        send(Templates.alreadyRegistered(config.publicUrl()), to, "You already have a Tidings account");
    }

    void resetCode(EmailAddress to, String code) {
        send(Templates.resetCode(code, minutes(), config.publicUrl()), to, "Your Tidings password reset code: " + code);
    }

    private long minutes() {
        return config.auth().codeTtl().toMinutes();
    }

    private static void send(MailTemplateInstance mail, EmailAddress to, String subject) {
        Uni<Void> sending = mail.to(to.value()).subject(subject).send();
        sending.subscribe()
                .with(
                        ok -> LOG.debugf("sent '%s'", subject),
                        failure -> LOG.warnf(
                                "could not send an account mail (%s); the user can ask for a new one",
                                failure.getMessage()));
    }
}
