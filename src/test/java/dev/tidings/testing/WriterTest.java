package dev.tidings.testing;

import org.junit.jupiter.api.BeforeEach;

/**
 * The base of the API tests that act as one writer: the writer (account and token) is made once
 * per test class; each test method gets a newsletter of its own ({@link #newsletter}, at {@link
 * #slug}), so that counts and lists start empty.
 */
public abstract class WriterTest {

    @InjectMailbox
    protected Mailbox mailbox;

    protected Writer writer;
    protected String token;
    protected String slug;
    protected String newsletter;

    /** Whether the test's newsletter asks new subscribers to confirm (override to change). */
    protected boolean doubleOptIn() {
        return false;
    }

    @BeforeEach
    void freshNewsletter() {
        writer = Writer.of(this, mailbox);
        token = writer.token;
        slug = Newsletters.newSlug();
        newsletter = Newsletters.create(token, slug, doubleOptIn());
    }
}
