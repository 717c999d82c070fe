package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.RelaysProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/**
 * Pinning a relay in the newsletter settings, with the relays of {@link RelaysProfile}: the writer
 * sees the shared relays and the one reserved to its account only if it owns it.
 */
@QuarkusTest
@TestProfile(RelaysProfile.class)
class RelayBrowserTest extends BrowserTest {

    @Test
    void aWriterPinsASharedRelayAndGoesBackToTheSharedOnes() {
        String token = signedInWriter(Accounts.newEmail());
        String id = newsletter(token, Newsletters.newSlug());
        browser.go("/app/newsletters/" + id);
        assertThat(browser.all("#relay option").stream().map(o -> o.getAttribute("value")))
                .as("the shared relays; 'limited' is reserved to another account")
                .containsExactly("", "alpha", "beta");
        browser.accessible();
        browser.js("const s = document.getElementById('relay'); s.value = 'beta';");
        browser.click("form.narrow button[type=submit]").waitText("main", "Saved.");
        Newsletters.as(token)
                .get("/api/newsletters/" + id)
                .then()
                .statusCode(200)
                .body("relay", org.hamcrest.Matchers.equalTo("beta"));
        assertThat(browser.find("#relay option[value=beta]").isSelected()).isTrue();
        browser.screenshot("newsletter-relay");

        browser.js("const s = document.getElementById('relay'); s.value = '';");
        browser.click("form.narrow button[type=submit]").waitText("main", "Saved.");
        Newsletters.as(token).get("/api/newsletters/" + id).then().body("relay", org.hamcrest.Matchers.nullValue());
    }
}
