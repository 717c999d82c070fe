package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import dev.tidings.delivery.smtp.DkimSigner;
import dev.tidings.delivery.smtp.MimeWriter;
import dev.tidings.delivery.smtp.SmtpSettings;
import dev.tidings.issue.RenderedMail;
import dev.tidings.newsletter.NewsletterDirectory;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns a rendered issue into the mail one subscriber gets, as the bytes that go on the wire: HTML
 * and text parts, the newsletter's sender identity, a Message-ID derived from the send record (the
 * same on every retry), List-Id, one-click List-Unsubscribe (RFC 2369 and RFC 8058), and a DKIM
 * signature when a key is configured. Header values come only from validated one-line fields;
 * names are stripped of anything that could end a header, and non-ASCII text is RFC 2047-encoded.
 */
@ApplicationScoped
public class MailComposer {

    /** A message ready for the transport: envelope sender, recipient, and the encoded message. */
    public record OutgoingMail(String from, String to, byte[] message) {}

    private static final Pattern LINE_BREAKS = Pattern.compile("[\\r\\n]+");

    private final String host;
    private final Optional<String> unsubscribeMailto;
    private final DkimSigner signer;

    public MailComposer(TidingsConfig config, SmtpSettings smtp) {
        String configured = URI.create(config.publicUrl()).getHost();
        this.host = configured == null ? "localhost" : configured;
        this.unsubscribeMailto = config.delivery().unsubscribeMailto();
        this.signer = smtp.dkim().orElse(null);
    }

    /** The Message-ID of a send: {@code <send-id@host>}. */
    public String messageId(UUID sendId) {
        return "<" + sendId + "@" + host + ">";
    }

    public OutgoingMail compose(
            NewsletterDirectory.Ref newsletter, RenderedMail rendered, String to, UUID sendId, String unsubscribeUrl) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(10);
        headers.add(Map.entry("From", MimeWriter.address(newsletter.fromName(), newsletter.fromEmail())));
        if (newsletter.replyTo() != null) {
            headers.add(Map.entry("Reply-To", newsletter.replyTo()));
        }
        headers.add(Map.entry("To", to));
        headers.add(Map.entry("Subject", MimeWriter.encodeText(oneLine(rendered.subject()))));
        headers.add(Map.entry("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC))));
        headers.add(Map.entry("Message-ID", messageId(sendId)));
        headers.add(Map.entry("List-Id", listId(newsletter)));
        headers.add(Map.entry("List-Unsubscribe", listUnsubscribe(unsubscribeUrl, sendId)));
        headers.add(Map.entry("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
        String boundary = "=_" + sendId.toString().replace("-", "");
        byte[] message = MimeWriter.alternative(headers, rendered.text(), rendered.html(), boundary, signer);
        return new OutgoingMail(newsletter.fromEmail(), to, message);
    }

    private String listId(NewsletterDirectory.Ref newsletter) {
        return MimeWriter.address(oneLine(newsletter.name()), newsletter.slug() + "." + host);
    }

    private String listUnsubscribe(String url, UUID sendId) {
        String header = "<" + url + ">";
        if (unsubscribeMailto.isPresent()) {
            header += ", <mailto:" + unsubscribeMailto.get() + "?subject=unsubscribe%20" + sendId + ">";
        }
        return header;
    }

    private static String oneLine(String value) {
        return value == null ? "" : LINE_BREAKS.matcher(value).replaceAll(" ").strip();
    }
}
