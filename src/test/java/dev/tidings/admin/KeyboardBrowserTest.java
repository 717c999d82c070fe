package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/** The admin without a mouse: a skip link first, a visible focus ring, forms that work from the keyboard. */
@QuarkusTest
class KeyboardBrowserTest extends BrowserTest {

    private WebElement focused() {
        return browser.driver.switchTo().activeElement();
    }

    private void tab() {
        new Actions(browser.driver).sendKeys(Keys.TAB).perform();
    }

    @Test
    void signInAndCreateANewsletterWithTheKeyboardOnly() {
        String email = Accounts.newEmail();
        Accounts.verifiedAccount(mailbox, email);
        browser.go("/app/login").waitText("h1", "Sign in");

        tab();
        assertThat(focused().getText()).isEqualTo("Skip to content");
        assertThat(focused().getCssValue("outline-style")).isNotEqualTo("none");
        assertThat(focused().isDisplayed()).isTrue();

        // Skip to the form, then fill it and submit with Enter.
        new Actions(browser.driver).sendKeys(Keys.ENTER).perform();
        tab();
        assertThat(focused().getAttribute("id")).isEqualTo("email");
        assertThat(focused().getCssValue("outline-style")).isNotEqualTo("none");
        new Actions(browser.driver)
                .sendKeys(email)
                .sendKeys(Keys.TAB)
                .sendKeys(Accounts.PASSWORD)
                .sendKeys(Keys.ENTER)
                .perform();
        browser.waitText("h1", "Dashboard");

        // The main navigation is reachable and labelled; a newsletter is made without the mouse.
        for (int i = 0; i < 10 && !"New newsletter".equals(focused().getText()); i++) {
            tab();
        }
        assertThat(focused().getText()).isEqualTo("New newsletter");
        new Actions(browser.driver).sendKeys(Keys.ENTER).perform();
        browser.waitText("h1", "New newsletter");
        browser.find("#name")
                .sendKeys(
                        "Keys Weekly",
                        Keys.TAB,
                        "keys-" + Accounts.newEmail().substring(7, 15),
                        Keys.TAB,
                        "Me",
                        Keys.ENTER);
        browser.waitText("h1", "Subscribers");
    }
}
