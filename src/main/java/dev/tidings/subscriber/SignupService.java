package dev.tidings.subscriber;

import dev.tidings.common.EmailAddress;
import dev.tidings.common.EngagementEvent;
import dev.tidings.common.EventLog;
import dev.tidings.common.LinkSigner;
import dev.tidings.common.ProblemException;
import dev.tidings.common.RateLimiter;
import dev.tidings.config.TidingsConfig;
import dev.tidings.newsletter.NewsletterDirectory;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The public side: sign-up (double opt-in), confirmation and unsubscribe. A sign-up answers the
 * same whether or not the address was known; only the mail that follows differs.
 */
@ApplicationScoped
public class SignupService {

    /** What a sign-up page needs to say afterwards. */
    public record Outcome(NewsletterDirectory.Ref newsletter) {
        public String status() {
            return newsletter.doubleOptIn() ? "confirmation_sent" : "subscribed";
        }
    }

    private final NewsletterDirectory newsletters;
    private final SubscriberRepository subscribers;
    private final SubscriberMails mails;
    private final RateLimiter limiter;
    private final LinkSigner signer;
    private final Suppressions suppressions;
    private final TidingsConfig.Signup config;
    private final EventLog events;

    public SignupService(
            NewsletterDirectory newsletters,
            SubscriberRepository subscribers,
            SubscriberMails mails,
            RateLimiter limiter,
            LinkSigner signer,
            Suppressions suppressions,
            TidingsConfig config,
            EventLog events) {
        this.events = events;
        this.newsletters = newsletters;
        this.subscribers = subscribers;
        this.mails = mails;
        this.limiter = limiter;
        this.signer = signer;
        this.suppressions = suppressions;
        this.config = config.signup();
    }

    public Uni<NewsletterDirectory.Ref> newsletter(String slug) {
        return newsletters.bySlug(slug).map(n -> {
            if (n == null) {
                throw ProblemException.notFound("This newsletter");
            }
            return n;
        });
    }

    /**
     * New address: pending plus a confirmation mail (or active at once without double opt-in,
     * unless the address is on the suppression list: then it too must confirm). Known address:
     * nothing changes, but one that is not active gets a confirmation mail (at most every few
     * minutes) — so an unsubscribed person comes back only by confirming. The mail goes out after
     * the answer, so a new and a known address answer alike, in the same time.
     */
    public Uni<Outcome> subscribe(String slug, EmailAddress email, String name, String clientAddress) {
        return newsletter(slug)
                .flatMap(n -> limiter.hit("signup:" + clientAddress, config.perAddress(), config.window())
                        .flatMap(wait -> {
                            if (!wait.isZero()) {
                                return Uni.createFrom().failure(ProblemException.tooManyRequests(wait));
                            }
                            return subscribers.findByEmail(n.id(), email.value());
                        })
                        .flatMap(existing -> existing == null ? addNew(n, email, name) : reconfirm(n, existing))
                        .replaceWith(new Outcome(n)));
    }

    private Uni<Void> addNew(NewsletterDirectory.Ref n, EmailAddress email, String name) {
        Uni<Boolean> mustConfirm =
                n.doubleOptIn() ? Uni.createFrom().item(true) : suppressions.contains(n.id(), email.value());
        return mustConfirm
                .flatMap(confirm -> subscribers
                        .insert(
                                n.id(),
                                email.value(),
                                SubscriberService.blankToNull(name),
                                confirm ? SubscriberStatus.PENDING : SubscriberStatus.ACTIVE,
                                new JsonObject())
                        .invoke(s -> {
                            if (confirm) {
                                mails.sendConfirmationLater(n, s);
                            }
                        }))
                .replaceWithVoid()
                // A concurrent sign-up of the same address won the insert; it sends the mail.
                .onFailure(SubscriberService::isUniqueViolation)
                .recoverWithNull();
    }

    private Uni<Void> reconfirm(NewsletterDirectory.Ref n, Subscriber existing) {
        // Written for an active subscriber too: the same work as a new address, the same timing.
        return subscribers
                .signUpAgain(existing.id(), config.resendAfter())
                .invoke(claimed -> {
                    if (claimed) {
                        mails.sendConfirmationLater(n, existing);
                    }
                })
                .replaceWithVoid();
    }

    /** Activates the subscriber the token names; empty when the token is bad, expired or foreign. */
    public Uni<Optional<Subscriber>> confirm(String slug, String token) {
        Optional<LinkSigner.Claims> claims = signer.verify(PublicLinks.CONFIRM, token);
        if (claims.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return matchingNewsletter(slug, claims.get())
                .flatMap(ok -> ok
                        ? subscribers
                                .confirm(claims.get().scope(), claims.get().subject())
                                .call(s -> s == null
                                        ? Uni.createFrom().voidItem()
                                        : suppressions.forget(s.newsletterId(), s.email()))
                                .map(Optional::ofNullable)
                        : Uni.createFrom().item(Optional.empty()));
    }

    /** The newsletter a genuine unsubscribe token is for; empty when the token is not genuine. */
    public Uni<Optional<NewsletterDirectory.Ref>> unsubscribeTarget(String slug, String token) {
        Optional<LinkSigner.Claims> claims = signer.verify(PublicLinks.UNSUBSCRIBE, token);
        if (claims.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return matchingNewsletter(slug, claims.get())
                .flatMap(ok -> ok
                        ? newsletters.byId(claims.get().scope()).map(Optional::ofNullable)
                        : Uni.createFrom().item(Optional.empty()));
    }

    /** Unsubscribes idempotently; true when the token is genuine (whatever the prior state). */
    public Uni<Boolean> unsubscribe(String slug, String token) {
        Optional<LinkSigner.Claims> claims = signer.verify(PublicLinks.UNSUBSCRIBE, token);
        if (claims.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        return matchingNewsletter(slug, claims.get())
                .flatMap(ok -> ok
                        ? subscribers
                                .unsubscribe(claims.get().scope(), claims.get().subject())
                                .invoke(changed -> {
                                    if (changed) {
                                        events.appendLater(EngagementEvent.ofSubscriber(
                                                "unsubscribe", claims.get().subject(), null, null));
                                    }
                                })
                                .replaceWith(true)
                        : Uni.createFrom().item(false));
    }

    /**
     * The URL's slug must be the token's newsletter's slug, now or before a rename (so links in
     * mails sent before the rename keep working); under any other slug the link is refused.
     */
    private Uni<Boolean> matchingNewsletter(String slug, LinkSigner.Claims claims) {
        return newsletters.hasHadSlug(claims.scope(), slug);
    }
}
