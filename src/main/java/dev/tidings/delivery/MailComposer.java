package dev.tidings.delivery;

import dev.tidings.issue.RenderedMail;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.TidingsConfig;
import io.quarkus.mailer.Mail;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.UUID;

/**
 * Turns a rendered issue into the mail one subscriber gets: HTML and text parts, the newsletter's
 * sender identity, a Message-ID derived from the send record (the same on every retry), List-Id,
 * and one-click List-Unsubscribe (RFC 2369 and RFC 8058). Header values come only from validated
 * one-line fields, and names are stripped of anything that could end a header.
 */
@ApplicationScoped
public class MailComposer {

    private final String host;
    private final java.util.Optional<String> unsubscribeMailto;

    public MailComposer(TidingsConfig config) {
        String configured = URI.create(config.publicUrl()).getHost();
        this.host = configured == null ? "localhost" : configured;
        this.unsubscribeMailto = config.delivery().unsubscribeMailto();
    }

    /** The Message-ID of a send: {@code <send-id@host>}. */
    public String messageId(UUID sendId) {
        return "<" + sendId + "@" + host + ">";
    }

    public Mail compose(
            NewsletterDirectory.Ref newsletter, RenderedMail rendered, String to, UUID sendId, String unsubscribeUrl) {
        Mail mail = new Mail()
                .setFrom(newsletter.sender())
                .addTo(to)
                .setSubject(oneLine(rendered.subject()))
                .setHtml(rendered.html())
                .setText(rendered.text())
                .addHeader("Message-ID", messageId(sendId))
                .addHeader("List-Id", listId(newsletter))
                .addHeader("List-Unsubscribe", listUnsubscribe(unsubscribeUrl, sendId))
                .addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        if (newsletter.replyTo() != null) {
            mail.setReplyTo(newsletter.replyTo());
        }
        return mail;
    }

    private String listId(NewsletterDirectory.Ref newsletter) {
        String name = oneLine(newsletter.name()).replaceAll("[\"\\\\<>]", "");
        return "\"" + name + "\" <" + newsletter.slug() + "." + host + ">";
    }

    private String listUnsubscribe(String url, UUID sendId) {
        String header = "<" + url + ">";
        if (unsubscribeMailto.isPresent()) {
            header += ", <mailto:" + unsubscribeMailto.get() + "?subject=unsubscribe%20" + sendId + ">";
        }
        return header;
    }

    private static String oneLine(String value) {
        return value == null ? "" : value.replaceAll("[\\r\\n]+", " ").strip();
    }
}
