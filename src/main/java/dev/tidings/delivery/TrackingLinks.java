package dev.tidings.delivery;

import dev.tidings.common.LinkSigner;
import dev.tidings.config.TidingsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open and click tracking in a mail's HTML part (only for newsletters that turned it on): the
 * issue's trackable links ({@code issue.TrackableLinks}) become {@code /t/c/{token}} and a 1x1
 * image {@code /t/o/{token}} is added. A token names the issue, the send and the link's index,
 * signed with the service key ({@link LinkSigner}); never the address. The redirect target is
 * looked up in the stored issue by index, so a token can only lead where the issue links to.
 */
@ApplicationScoped
public class TrackingLinks {

    /** What a genuine token names; {@code link} is -1 for the open pixel. */
    public record Tracked(UUID issueId, UUID sendId, int link) {}

    static final String CLICK = "track-click";
    static final String OPEN = "track-open";
    private static final int BODY = 34;
    private static final Pattern ANCHOR_HREF =
            Pattern.compile("(<a\\b[^>]*?\\shref\\s*=\\s*)(\"([^\"]*)\"|'([^']*)')", Pattern.CASE_INSENSITIVE);
    private static final Pattern BODY_END = Pattern.compile("</body\\s*>", Pattern.CASE_INSENSITIVE);

    private final LinkSigner signer;
    private final String base;

    public TrackingLinks(LinkSigner signer, TidingsConfig config) {
        this.signer = signer;
        String url = config.publicUrl();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The token of link {@code link} of one mail, or of its open pixel. */
    interface Tokens {
        String of(int link, boolean open);
    }

    /**
     * The HTML part with tracking: every anchor whose {@code href} is one of {@code links} points
     * to its click URL (links not in the list, e.g. personalised ones and the unsubscribe link,
     * stay as they are); with {@code opens}, the pixel goes before {@code </body>}.
     */
    public String rewrite(String html, List<String> links, UUID issueId, UUID sendId, boolean clicks, boolean opens) {
        return rewrite(
                html,
                links,
                base,
                (link, open) -> open ? token(OPEN, issueId, sendId, -1) : token(CLICK, issueId, sendId, link),
                clicks,
                opens);
    }

    static String rewrite(String html, List<String> links, String base, Tokens tokens, boolean clicks, boolean opens) {
        String out = html;
        if (clicks && !links.isEmpty()) {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < links.size(); i++) {
                // Our own pages (the archive, sign-up, unsubscribe) are never rewritten.
                if (!dev.tidings.issue.TrackableLinks.target(links.get(i)).startsWith(base + "/p/")) {
                    index.putIfAbsent(links.get(i), i);
                }
            }
            Matcher m = ANCHOR_HREF.matcher(out);
            StringBuilder sb = new StringBuilder(out.length() + 256);
            while (m.find()) {
                String href = m.group(3) != null ? m.group(3) : m.group(4);
                Integer i = index.get(href);
                String replacement =
                        i == null ? m.group() : m.group(1) + "\"" + base + "/t/c/" + tokens.of(i, false) + "\"";
                m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(sb);
            out = sb.toString();
        }
        if (opens) {
            String pixel = "<img src=\"" + base + "/t/o/" + tokens.of(-1, true)
                    + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">";
            Matcher end = BODY_END.matcher(out);
            int at = -1;
            while (end.find()) {
                at = end.start();
            }
            out = at < 0 ? out + pixel : out.substring(0, at) + pixel + out.substring(at);
        }
        return out;
    }

    private String token(String purpose, UUID issueId, UUID sendId, int link) {
        ByteBuffer body = ByteBuffer.allocate(BODY);
        body.putLong(issueId.getMostSignificantBits()).putLong(issueId.getLeastSignificantBits());
        body.putLong(sendId.getMostSignificantBits()).putLong(sendId.getLeastSignificantBits());
        body.putShort((short) link);
        return signer.signBytes(purpose, body.array());
    }

    /** What a click token names, if it is genuine. */
    public Optional<Tracked> click(String token) {
        return read(CLICK, token).filter(t -> t.link() >= 0);
    }

    /** What an open token names, if it is genuine. */
    public Optional<Tracked> open(String token) {
        return read(OPEN, token).filter(t -> t.link() == -1);
    }

    /**
     * The issue a token claims to be about, whether or not it is genuine: only ever used to send
     * a reader with a broken link to that newsletter's public archive.
     */
    public static Optional<UUID> claimedIssue(String token) {
        if (token == null || token.length() > 200 || token.indexOf('.') < 0) {
            return Optional.empty();
        }
        try {
            byte[] body = java.util.Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.')));
            if (body.length != BODY) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.wrap(body);
            return Optional.of(new UUID(b.getLong(), b.getLong()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Optional<Tracked> read(String purpose, String token) {
        return signer.verifyBytes(purpose, token, BODY).map(body -> {
            ByteBuffer b = ByteBuffer.wrap(body);
            return new Tracked(new UUID(b.getLong(), b.getLong()), new UUID(b.getLong(), b.getLong()), b.getShort());
        });
    }
}
