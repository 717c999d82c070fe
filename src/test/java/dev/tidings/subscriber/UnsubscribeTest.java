package dev.tidings.subscriber;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class UnsubscribeTest extends WriterTest {

    @Override
    protected boolean doubleOptIn() {
        return true;
    }

    @Inject
    PublicLinks links;

    String subscriber;

    @BeforeEach
    void setUp() {
        subscriber = Newsletters.addSubscriber(token, newsletter, newEmail(), "active");
    }

    private String link(String subscriberId) {
        URI uri = URI.create(links.unsubscribeUrl(slug, UUID.fromString(newsletter), UUID.fromString(subscriberId)));
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    private String status() {
        return Database.strings("SELECT status FROM subscriber WHERE id = ?::uuid", subscriber)
                .get(0);
    }

    @Test
    void theGetPageShowsOneButtonAndChangesNothing() {
        RestAssured.given()
                .get(link(subscriber))
                .then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString(
                        "<form method=\"post\" action=\"" + link(subscriber).replace("&", "&amp;") + "\""))
                .body(containsString("<button type=\"submit\">Unsubscribe</button>"));
        assertThat(status()).isEqualTo("active");
    }

    @Test
    void aOneClickPostAsAMailClientSendsItUnsubscribesIdempotently() {
        for (int i = 0; i < 2; i++) {
            RestAssured.given()
                    .contentType("application/x-www-form-urlencoded")
                    .body("List-Unsubscribe=One-Click")
                    .post(link(subscriber))
                    .then()
                    .statusCode(200)
                    .body(containsString("unsubscribed"));
            assertThat(status()).isEqualTo("unsubscribed");
        }
        // Even the bare form of RFC 8058, multipart, works without cookie or login.
        RestAssured.given()
                .multiPart("List-Unsubscribe", "One-Click")
                .post(link(subscriber))
                .then()
                .statusCode(200);
        Newsletters.as(token)
                .get(ApiPaths.newsletter(newsletter))
                .then()
                .body("subscriberCounts.unsubscribed", org.hamcrest.Matchers.equalTo(1));
    }

    @Test
    void aTokenWorksForItsOwnSubscriberAndNewsletterOnly() {
        String other = Newsletters.addSubscriber(token, newsletter, newEmail(), "active");
        String tokenOfOther = link(other).substring(link(other).indexOf("token=") + 6);
        RestAssured.given()
                .post("/p/" + slug + "/unsubscribe?token=" + tokenOfOther + "x")
                .then()
                .statusCode(400);
        RestAssured.given()
                .post("/p/" + slug + "/unsubscribe?token=garbage")
                .then()
                .statusCode(400);
        RestAssured.given().post("/p/" + slug + "/unsubscribe").then().statusCode(400);

        String otherSlug = newSlug();
        Newsletters.create(token, otherSlug, true);
        RestAssured.given()
                .post(link(subscriber).replace("/p/" + slug + "/", "/p/" + otherSlug + "/"))
                .then()
                .statusCode(400);
        assertThat(status()).isEqualTo("active");
        assertThat(Database.strings("SELECT status FROM subscriber WHERE id = ?::uuid", other)
                        .get(0))
                .isEqualTo("active");
    }

    @Test
    void suppressedSubscribersStaySuppressed() {
        String bounced = Newsletters.addSubscriber(token, newsletter, newEmail(), "bounced");
        RestAssured.given().post(link(bounced)).then().statusCode(200);
        assertThat(Database.strings("SELECT status FROM subscriber WHERE id = ?::uuid", bounced)
                        .get(0))
                .isEqualTo("bounced");
    }
}
