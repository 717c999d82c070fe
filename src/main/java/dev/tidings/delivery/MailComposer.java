package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import dev.tidings.delivery.smtp.MimeWriter;
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
 * same on every retry), List-Id, one-click List-Unsubscribe (RFC 2369 and RFC 8058), and the DKIM
 * signature of its From domain ({@link SenderIdentities}). Header values come only from validated one-line fields;
 * names are stripped of anything that could end a header, and non-ASCII text is RFC 2047-encoded.
 */
@ApplicationScoped
public class MailComposer {

    /** A message ready for the transport: envelope sender, recipient, and the encoded message. */
    public record OutgoingMail(String from, String to, byte[] message) {}

    private static final Pattern LINE_BREAKS = Pattern.compile("[\\r\\n]+");

    private final String host;
    private final Optional<String> unsubscribeMailto;
    private final ReturnPath returnPath;

    public MailComposer(TidingsConfig config, ReturnPath returnPath) {
        String configured = URI.create(config.publicUrl()).getHost();
        this.host = configured == null ? "localhost" : configured;
        this.unsubscribeMailto = config.delivery().unsubscribeMailto();
        this.returnPath = returnPath;
    }

    /** The Message-ID of a send: {@code <send-id@host>}. */
    public String messageId(UUID sendId) {
        return "<" + sendId + "@" + host + ">";
    }

    /**
     * The send a Message-ID of ours names ({@code <send-id@host>}, with or without the brackets, or
     * the bare send id), or null for anything else.
     */
    public static UUID sendIdOf(String messageId) {
        if (messageId == null) {
            return null;
        }
        String bare = messageId.strip().replaceAll("^<|>$", "");
        String id = bare.indexOf('@') < 0 ? bare : bare.substring(0, bare.indexOf('@'));
        if (id.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The mail of one send: signed as {@code sender} says (the From domain's key), with the
     * envelope sender {@code bounces+<token naming the send>@<its return-path host>}; its MIME
     * boundary is the issue's, so a body the same for everyone is the same bytes.
     */
    public OutgoingMail compose(
            NewsletterDirectory.Ref newsletter,
            SenderIdentities.Identity sender,
            RenderedMail rendered,
            String to,
            UUID issueId,
            UUID sendId,
            String unsubscribeUrl) {
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
        // The issue's, not the send's: a body that is the same for every subscriber is then the
        // same bytes, and its DKIM body hash is computed once (DkimSigner). Safe in any mail: a
        // part is sent as it is only if it has no "=_" anywhere (MimeWriter), else quoted-printable.
        String boundary = "=_" + issueId.toString().replace("-", "");
        byte[] message = MimeWriter.alternative(headers, rendered.text(), rendered.html(), boundary, sender.signer());
        return new OutgoingMail(returnPath.address(sendId, sender.returnPathHost()), to, message);
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
