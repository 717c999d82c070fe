package dev.tidings.newsletter;

import dev.tidings.common.Cursor;
import dev.tidings.common.EmailAddress;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Timestamps;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Newsletters of an account. Another account's newsletter answers 404, like a missing one. */
@ApplicationScoped
public class NewsletterService {

    private final NewsletterRepository newsletters;
    private final NewsletterDirectory directory;
    private final SubscriberCounts counts;
    private final dev.tidings.config.TidingsConfig config;
    private final dev.tidings.account.AccountRepository accounts;

    public NewsletterService(
            NewsletterRepository newsletters,
            NewsletterDirectory directory,
            SubscriberCounts counts,
            dev.tidings.config.TidingsConfig config,
            dev.tidings.account.AccountRepository accounts) {
        this.newsletters = newsletters;
        this.directory = directory;
        this.counts = counts;
        this.config = config;
        this.accounts = accounts;
    }

    @WithTransaction
    public Uni<NewsletterView> create(UUID accountId, NewsletterRequests.Create body) {
        return newsletters.slugTaken(body.slug(), null).flatMap(taken -> {
            if (taken) {
                return Uni.createFrom().failure(slugTaken(body.slug()));
            }
            Newsletter n = new Newsletter();
            n.id = UUID.randomUUID();
            n.accountId = accountId;
            n.slug = body.slug();
            n.name = body.name().strip();
            n.fromName = body.fromName().strip();
            n.fromEmail = EmailAddress.parse(body.fromEmail(), "fromEmail").value();
            n.replyTo = body.replyTo() == null
                    ? null
                    : EmailAddress.parse(body.replyTo(), "replyTo").value();
            n.doubleOptIn = body.doubleOptIn() == null || body.doubleOptIn();
            n.trackOpens = Boolean.TRUE.equals(body.trackOpens());
            n.trackClicks = Boolean.TRUE.equals(body.trackClicks());
            n.createdAt = Timestamps.now();
            return newsletters
                    .persistAndFlush(n)
                    .onFailure(NewsletterService::isUniqueViolation)
                    .transform(e -> slugTaken(body.slug()))
                    .map(saved -> NewsletterView.of(saved, new SubscriberCounts.Counts(0, 0, 0, 0, 0)));
        });
    }

    @WithSession
    public Uni<NewsletterView> get(UUID accountId, UUID id) {
        return owned(accountId, id).flatMap(this::withCounts);
    }

    @WithSession
    public Uni<Page<NewsletterView>> list(UUID accountId, PageRequest page) {
        return newsletters.page(accountId, page.withOneMore()).flatMap(rows -> counts.of(
                        rows.stream().map(n -> n.id).toList())
                .map(byId -> Page.of(
                        rows,
                        page.limit(),
                        n -> new Cursor(n.createdAt, n.id),
                        n -> NewsletterView.of(n, byId.get(n.id)))));
    }

    @WithTransaction
    public Uni<NewsletterView> patch(UUID accountId, UUID id, PatchBody patch) {
        return owned(accountId, id).flatMap(n -> {
            String oldSlug = n.slug;
            patch.text("slug", 64, false, v -> n.slug = v)
                    .text("name", 200, false, v -> n.name = v)
                    .text("fromName", 200, false, v -> n.fromName = v)
                    .email("fromEmail", false, v -> n.fromEmail = v)
                    .email("replyTo", true, v -> n.replyTo = v)
                    .bool("doubleOptIn", v -> n.doubleOptIn = v)
                    .bool("trackOpens", v -> n.trackOpens = v)
                    .bool("trackClicks", v -> n.trackClicks = v)
                    .text("relay", 64, true, v -> n.relay = v);
            if (!n.slug.matches(NewsletterRequests.SLUG)) {
                patch.addError("slug", NewsletterRequests.SLUG_MESSAGE);
            }
            Uni<Void> relayChecked = !patch.has("relay") || n.relay == null
                    ? Uni.createFrom().voidItem()
                    : accounts.findById(accountId).map(account -> {
                        if (!mayPin(n.relay, account.email)) {
                            patch.addError(
                                    "relay",
                                    "must be the name of a relay this account may use: "
                                            + String.join(", ", pinnable(account.email)));
                        }
                        return null;
                    });
            return relayChecked.flatMap(checked -> {
                patch.validate();
                Uni<Void> slugFree = n.slug.equals(oldSlug)
                        ? Uni.createFrom().voidItem()
                        : newsletters.slugTaken(n.slug, n.id).map(taken -> {
                            if (taken) {
                                throw slugTaken(n.slug);
                            }
                            return null;
                        });
                Uni<Void> retired = n.slug.equals(oldSlug)
                        ? Uni.createFrom().voidItem()
                        : newsletters.retireSlug(n.id, oldSlug).replaceWithVoid();
                return slugFree.flatMap(x -> retired)
                        .flatMap(x -> newsletters.flush())
                        .onFailure(NewsletterService::isUniqueViolation)
                        .transform(e -> slugTaken(n.slug))
                        .flatMap(x -> withCounts(n));
            });
        });
    }

    /** A configured relay that is shared, or reserved to this account (see {@code tidings.relays.<name>.accounts}). */
    private boolean mayPin(String relay, String accountEmail) {
        dev.tidings.config.TidingsConfig.Relay r = config.relays().get(relay);
        return r != null
                && r.accounts()
                        .map(list -> list.stream().anyMatch(a -> a.strip().equalsIgnoreCase(accountEmail)))
                        .orElse(true);
    }

    private List<String> pinnable(String accountEmail) {
        List<String> names = pinnableBy(accountEmail);
        return names.isEmpty() ? List.of("(none: this server has no named relays)") : names;
    }

    private List<String> pinnableBy(String accountEmail) {
        return config.relays().keySet().stream()
                .filter(name -> mayPin(name, accountEmail))
                .sorted()
                .toList();
    }

    /** The relays the account's newsletters may pin, by name (empty: none are configured). */
    @WithSession
    public Uni<List<String>> relayChoices(UUID accountId) {
        if (config.relays().isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return accounts.findById(accountId).map(account -> account == null ? List.of() : pinnableBy(account.email));
    }

    /** Deletes the newsletter with its subscribers and imports. */
    @WithTransaction
    public Uni<Void> delete(UUID accountId, UUID id) {
        return owned(accountId, id).flatMap(n -> newsletters.delete(n));
    }

    /**
     * The caller's newsletter entity, or a 404: the ownership check is the one every feature uses
     * ({@link NewsletterDirectory#owned}); the entity is then loaded into the caller's session.
     */
    private Uni<Newsletter> owned(UUID accountId, UUID id) {
        return directory.owned(accountId, id).flatMap(ref -> newsletters.findById(ref.id()));
    }

    private Uni<NewsletterView> withCounts(Newsletter n) {
        return counts.of(List.of(n.id))
                .map((Map<UUID, SubscriberCounts.Counts> byId) -> NewsletterView.of(n, byId.get(n.id)));
    }

    private static ProblemException slugTaken(String slug) {
        return ProblemException.conflict("slug-taken", "The slug '" + slug + "' is already taken; choose another");
    }

    static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.hibernate.exception.ConstraintViolationException) {
                return true;
            }
        }
        return false;
    }
}
