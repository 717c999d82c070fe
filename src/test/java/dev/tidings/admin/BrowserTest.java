package dev.tidings.admin;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Browser;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The base of the web admin's browser tests: a real Chromium against the app with real
 * PostgreSQL, Kafka and SMTP. A failed test leaves a screenshot and the page source under
 * target/browser-failures.
 */
@ExtendWith(BrowserTest.Failures.class)
abstract class BrowserTest {

    @InjectMailbox
    Mailbox mailbox;

    Browser browser;

    @BeforeEach
    void freshBrowser() {
        browser = Browser.get().reset();
    }

    /** A verified writer with a token, signed in in the browser; answers the token. */
    String signedInWriter(String email) {
        String token = Accounts.tokenFor(mailbox, email);
        browser.signInAs(email);
        return token;
    }

    /** A newsletter of the writer's (through the API); answers its id. */
    static String newsletter(String token, String slug) {
        return Newsletters.create(token, slug, false);
    }

    static class Failures implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            try {
                Browser.get()
                        .saveFailure(context.getRequiredTestClass().getSimpleName() + "-"
                                + context.getRequiredTestMethod().getName());
            } catch (RuntimeException | AssertionError e) {
                cause.addSuppressed(e);
            }
        }
    }
}
