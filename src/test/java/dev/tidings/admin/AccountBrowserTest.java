package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Sign in, sign out, password reset and sign-up in the browser, and what each shows when it goes wrong. */
@QuarkusTest
class AccountBrowserTest extends BrowserTest {

    @Test
    void wrongPasswordIsAMessageAndRepeatedFailuresAreThrottledOnThePage() {
        String email = Accounts.newEmail();
        Accounts.verifiedAccount(mailbox, email);
        browser.go("/app/login");
        for (int i = 0; i < 5; i++) {
            browser.type("#email", email)
                    .type("#password", "not the password " + i)
                    .click("main button[type=submit]");
            browser.waitText("main .notice", "Wrong email address or password");
        }
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(email);
        browser.accessible().screenshot("account-wrong-password");
        browser.type("#email", email).type("#password", Accounts.PASSWORD).click("main button[type=submit]");
        browser.waitText("main .notice", "Too many attempts; try again in");
        assertThat(browser.path()).isEqualTo("/app/login");
    }

    @Test
    void signInLandsWhereTheWriterWantedToGoAndSignOutEndsTheSession() {
        String email = Accounts.newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        String newsletter = newsletter(token, dev.tidings.testing.Newsletters.newSlug());
        browser.go("/app/newsletters/" + newsletter + "/subscribers").waitUrl("/app/login");
        browser.type("#email", email).type("#password", Accounts.PASSWORD).click("main button[type=submit]");
        browser.waitText("h1", "Subscribers");
        assertThat(browser.path()).isEqualTo("/app/newsletters/" + newsletter + "/subscribers");
        browser.click(".signout button").waitText("main .notice", "You are signed out");
        browser.go("/app").waitUrl("/app/login");
        assertThat(browser.text("h1")).isEqualTo("Sign in");
    }

    @Test
    void anExpiredSessionGoesBackToSignIn() {
        String email = Accounts.newEmail();
        Accounts.verifiedAccount(mailbox, email);
        browser.signInAs(email).go("/app").waitText("h1", "Dashboard");
        // The session ends elsewhere (a password reset ends every session of the account).
        String code = Accounts.resetCode(mailbox, email);
        Accounts.client()
                .contentType("application/json")
                .body(java.util.Map.of("email", email, "code", code, "newPassword", "another good password"))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(204);
        browser.go("/app/tokens").waitUrl("/app/login");
        assertThat(browser.driver.getCurrentUrl()).contains("next=%2Fapp%2Ftokens");
    }

    @Test
    void signUpRefusesAShortPasswordBesideTheFieldAndAWrongCodeOnThePage() {
        String email = Accounts.newEmail();
        browser.go("/app/signup")
                .type("#email", email)
                .type("#password", "short")
                .click("main button[type=submit]");
        browser.waitText("#password-error", "must be 10 to 128 characters");
        assertThat(browser.find("#password").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(email);
        browser.accessible().screenshot("account-sign-up-error");

        browser.type("#password", Accounts.PASSWORD).click("main button[type=submit]");
        browser.waitText("h1", "Confirm your address");
        String code = mailbox.awaitCode(email, 1);
        String wrong = code.equals("000000") ? "111111" : "000000";
        browser.type("#code", wrong).click("main button[type=submit]");
        browser.waitText("main .notice", "code");
        assertThat(browser.path()).isEqualTo("/app/verify");
        browser.type("#code", code).click("main button[type=submit]").waitText("h1", "Dashboard");
    }

    @Test
    void aPasswordResetInTheBrowserLetsTheWriterSignInWithTheNewPassword() {
        String email = Accounts.newEmail();
        Accounts.verifiedAccount(mailbox, email);
        browser.go("/app/login").click("a[href='/app/reset']").waitText("h1", "Reset your password");
        browser.type("#email", email).accessible().click("main button[type=submit]");
        browser.waitText("h1", "Choose a new password");
        browser.type("#code", mailbox.awaitCode(email, 2)).type("#newPassword", "a brand new password");
        browser.accessible().click("main button[type=submit]");
        browser.waitText("main .notice", "Your password was changed");
        browser.type("#password", "a brand new password").click("main button[type=submit]");
        browser.waitText("h1", "Dashboard");
    }

    @Test
    void aFormPostedWithoutItsTokenChangesNothing() {
        String email = Accounts.newEmail();
        String token = Accounts.tokenFor(mailbox, email);
        browser.signInAs(email).go("/app/tokens").waitText("h1", "API tokens");
        // Another page's script cannot read the token; a post without it (or with a stale one) is refused.
        browser.js("document.querySelector('main form input[name=_csrf]').value = 'forged';");
        browser.type("#name", "forged token").click("main form button[type=submit]");
        browser.waitText("h1", "This form has expired");
        int tokens = dev.tidings.testing.Newsletters.as(token)
                .get("/api/tokens")
                .then()
                .statusCode(200)
                .extract()
                .path("items.size()");
        assertThat(tokens).isEqualTo(1);
    }
}
