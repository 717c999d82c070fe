package dev.tidings.admin;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** API tokens in the browser: the secret shown once, its last use, revoking it, a bad name. */
@QuarkusTest
class TokenBrowserTest extends BrowserTest {

    @Test
    void createUseAndRevokeAToken() {
        signedInWriter(Accounts.newEmail());
        browser.go("/app/tokens").waitText("h1", "API tokens");
        browser.type("#name", "").click("main form button[type=submit]");
        browser.waitText("#name-error", "must not be blank");

        browser.type("#name", "deploy script").click("main form button[type=submit]");
        browser.waitText("main .notice", "shown only this once");
        String secret = browser.find("#new-token").getAttribute("value");
        assertThat(secret).startsWith("tid_");
        browser.click("button[data-copy=new-token]").waitText("#new-token-copied", "Cop");
        browser.accessible().screenshot("tokens-created");

        given().header("Authorization", "Bearer " + secret)
                .get("/api/me")
                .then()
                .statusCode(200);
        browser.go("/app/tokens");
        assertThat(browser.driver.getPageSource()).doesNotContain(secret);
        String row = browser.find("main table tbody tr:first-child").getText();
        assertThat(row).contains("deploy script").doesNotContain("never");

        browser.click("main table details summary").click("main table details button");
        browser.waitText("main .notice", "Token revoked.");
        given().header("Authorization", "Bearer " + secret)
                .get("/api/me")
                .then()
                .statusCode(401);
        browser.accessible().fitsPhone();
    }
}
