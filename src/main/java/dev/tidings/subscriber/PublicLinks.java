package dev.tidings.subscriber;

import dev.tidings.common.LinkSigner;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** The signed links a subscriber gets: confirm (expires) and unsubscribe (does not). */
@ApplicationScoped
public class PublicLinks {

    static final String CONFIRM = "confirm";
    static final String UNSUBSCRIBE = "unsubscribe";

    private final LinkSigner signer;
    private final TidingsConfig config;

    public PublicLinks(LinkSigner signer, TidingsConfig config) {
        this.signer = signer;
        this.config = config;
    }

    /** The one-click unsubscribe URL of a subscriber (for List-Unsubscribe and mail footers). */
    public String unsubscribeUrl(String slug, UUID newsletterId, UUID subscriberId) {
        return config.publicUrl() + "/p/" + slug + "/unsubscribe?token="
                + signer.sign(UNSUBSCRIBE, subscriberId, newsletterId, null);
    }

    public String unsubscribeUrl(NewsletterDirectory.Ref newsletter, UUID subscriberId) {
        return unsubscribeUrl(newsletter.slug(), newsletter.id(), subscriberId);
    }
}
