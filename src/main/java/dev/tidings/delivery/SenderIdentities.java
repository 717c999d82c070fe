package dev.tidings.delivery;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tidings.delivery.smtp.DkimSigner;
import dev.tidings.delivery.smtp.SmtpSettings;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.sender.SenderDomainService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Who a newsletter's mail is from, as the receiving server checks it: the DKIM signer of its From
 * domain (aligned {@code d=}) and the host of its envelope sender. A domain the account verified:
 * its own key, envelope sender at its return-path host (a CNAME to the bounce domain, so SPF aligns
 * too). A shared domain: the operator's key (when configured) and the bounce domain. Anything else
 * (an issue published before its domain stopped verifying): no signature and the bounce domain —
 * the operator's key never vouches for a domain it does not belong to. Kept a minute per account
 * and domain, so the delivery path asks the database once a minute, not once a mail.
 */
@ApplicationScoped
public class SenderIdentities {

    /** How one newsletter's mail is signed and where it bounces to. */
    public record Identity(DkimSigner signer, String returnPathHost) {}

    private record Key(UUID accountId, String domain) {}

    private static final Logger LOG = Logger.getLogger(SenderIdentities.class);

    private final SenderDomainService domains;
    private final SmtpSettings smtp;
    private final Optional<DkimSigner> operator;
    private final AsyncLoadingCache<Key, Identity> cache;

    public SenderIdentities(SenderDomainService domains, SmtpSettings smtp) {
        this.domains = domains;
        this.smtp = smtp;
        this.operator = smtp.dkim();
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(Duration.ofMinutes(1))
                .buildAsync((key, executor) -> load(key).subscribeAsCompletionStage());
    }

    public Uni<Identity> of(NewsletterDirectory.Ref newsletter) {
        String domain = SenderDomainService.domainOf(newsletter.fromEmail());
        return Uni.createFrom().completionStage(() -> cache.get(new Key(newsletter.accountId(), domain)));
    }

    private Uni<Identity> load(Key key) {
        if (domains.isShared(key.domain())) {
            return Uni.createFrom().item(new Identity(operator.orElse(null), domains.bounceDomain()));
        }
        return domains.signingKey(key.accountId(), key.domain()).map(signing -> {
            if (signing.isEmpty()) {
                return new Identity(null, domains.bounceDomain());
            }
            try {
                DkimSigner signer = smtp.dkimFor(
                        signing.get().privateKey(),
                        signing.get().domain(),
                        signing.get().selector());
                return new Identity(signer, domains.returnPathHost(key.domain()));
            } catch (IllegalArgumentException e) {
                LOG.warnf("The DKIM key of %s cannot be used: %s", key.domain(), e.getMessage());
                return new Identity(null, domains.bounceDomain());
            }
        });
    }
}
