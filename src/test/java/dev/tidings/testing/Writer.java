package dev.tidings.testing;

import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A verified writer with an API token and a newsletter, made once per test class (sign-up, the
 * mailed code, verification, login and a token are five requests; a test method need not repeat
 * them). Tests that need a newsletter of their own make one with {@link #newNewsletter}.
 */
public final class Writer {

    private static final Map<Class<?>, Writer> PER_CLASS = new ConcurrentHashMap<>();

    public final String email;
    public final String token;
    /** The class's shared newsletter (double opt-in as the first caller asked). */
    public final String newsletter;

    public final String slug;

    private Writer(String email, String token, String slug, String newsletter) {
        this.email = email;
        this.token = token;
        this.slug = slug;
        this.newsletter = newsletter;
    }

    /** The writer of {@code test}'s class, made on first use. */
    public static Writer of(Object test, Mailbox mailbox) {
        return PER_CLASS.computeIfAbsent(test.getClass(), c -> create(mailbox, false));
    }

    /** A writer of one's own (for a test about accounts themselves, or isolation between them). */
    public static Writer create(Mailbox mailbox, boolean doubleOptIn) {
        String email = Accounts.newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        String slug = Newsletters.newSlug();
        return new Writer(email, token, slug, Newsletters.create(token, slug, doubleOptIn));
    }

    /** Requests as this writer (bearer token, its own client address). */
    public RequestSpecification api() {
        return Newsletters.as(token);
    }

    /** Another newsletter of this writer's, with a fresh slug; answers its id. */
    public String newNewsletter(boolean doubleOptIn) {
        return Newsletters.create(token, Newsletters.newSlug(), doubleOptIn);
    }
}
