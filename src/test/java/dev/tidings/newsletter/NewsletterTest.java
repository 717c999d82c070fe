package dev.tidings.newsletter;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class NewsletterTest {

    @InjectMailbox
    Mailbox mailbox;

    String token;

    @BeforeEach
    void account() {
        token = Accounts.tokenFor(mailbox, newEmail());
    }

    @Test
    void createAnswers201WithDefaultsAndZeroCounts() {
        String slug = newSlug();
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Field Notes", "fromName", "Ada", "fromEmail", "ada@EXAMPLE.com"))
                .post(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(201)
                .header("Location", org.hamcrest.Matchers.containsString("/api/newsletters/"))
                .body("slug", equalTo(slug))
                .body("name", equalTo("Field Notes"))
                .body("fromEmail", equalTo("ada@example.com"))
                .body("replyTo", nullValue())
                .body("doubleOptIn", equalTo(true))
                .body("createdAt", org.hamcrest.Matchers.notNullValue())
                .body("subscriberCounts.pending", equalTo(0))
                .body("subscriberCounts.active", equalTo(0))
                .body("subscriberCounts.unsubscribed", equalTo(0))
                .body("subscriberCounts.bounced", equalTo(0))
                .body("subscriberCounts.complained", equalTo(0));
    }

    @Test
    void aTakenSlugIs409AndInvalidFieldsAre400() {
        String slug = newSlug();
        Newsletters.create(token, slug, true);
        String other = Accounts.tokenFor(mailbox, newEmail());
        as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Copy", "fromName", "X", "fromEmail", "x@example.com"))
                .post(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", "-Bad Slug", "name", "", "fromName", "X", "fromEmail", "nope"))
                .post(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("slug", "name", "fromEmail"));
    }

    @Test
    void aFormerSlugStaysWithItsNewsletter() {
        // Links mailed under the old slug (archive, sign-up) must not lead to someone else's page.
        String old = newSlug();
        String id = Newsletters.create(token, old, true);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", newSlug()))
                .patch(ApiPaths.newsletter(id))
                .then()
                .statusCode(200);
        String other = Accounts.tokenFor(mailbox, newEmail());
        as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", old, "name", "Copy", "fromName", "X", "fromEmail", "x@example.com"))
                .post(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(409)
                .body("type", equalTo("/problems/slug-taken"));
        String others = Newsletters.create(other, newSlug(), true);
        as(other)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", old))
                .patch(ApiPaths.newsletter(others))
                .then()
                .statusCode(409);
        // Its own newsletter may take it back.
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", old))
                .patch(ApiPaths.newsletter(id))
                .then()
                .statusCode(200)
                .body("slug", equalTo(old));
    }

    @Test
    void patchChangesOnlyWhatItNamesAndNullClears() {
        String id = Newsletters.create(token, newSlug(), true);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("replyTo", "replies@example.com"))
                .patch(ApiPaths.newsletter(id))
                .then()
                .statusCode(200)
                .body("replyTo", equalTo("replies@example.com"))
                .body("fromName", equalTo("The Editor"));
        Map<String, Object> clear = new HashMap<>();
        clear.put("replyTo", null);
        clear.put("doubleOptIn", false);
        as(token)
                .contentType(ContentType.JSON)
                .body(clear)
                .patch(ApiPaths.newsletter(id))
                .then()
                .statusCode(200)
                .body("replyTo", nullValue())
                .body("doubleOptIn", equalTo(false));
    }

    @Test
    void anInvalidPatchIs400AndChangesNothing() {
        String id = Newsletters.create(token, newSlug(), true);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "Renamed", "fromEmail", "not-an-address", "doubleOptIn", "yes"))
                .patch(ApiPaths.newsletter(id))
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("fromEmail", "doubleOptIn"));
        as(token)
                .get(ApiPaths.newsletter(id))
                .then()
                .statusCode(200)
                .body("name", org.hamcrest.Matchers.startsWith("Weekly"));
        String taken = newSlug();
        Newsletters.create(token, taken, true);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("slug", taken))
                .patch(ApiPaths.newsletter(id))
                .then()
                .statusCode(409);
    }

    @Test
    void countsFollowSubscribersWithoutCounting() {
        String id = Newsletters.create(token, newSlug(), false);
        Newsletters.addSubscriber(token, id, "a@example.com", "active");
        Newsletters.addSubscriber(token, id, "b@example.com", "active");
        Newsletters.addSubscriber(token, id, "c@example.com", "unsubscribed");
        String d = Newsletters.addSubscriber(token, id, "d@example.com", "bounced");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "complained"))
                .patch(ApiPaths.subscriber(id, d))
                .then()
                .statusCode(200);
        as(token)
                .get(ApiPaths.newsletter(id))
                .then()
                .statusCode(200)
                .body("subscriberCounts.active", equalTo(2))
                .body("subscriberCounts.unsubscribed", equalTo(1))
                .body("subscriberCounts.bounced", equalTo(0))
                .body("subscriberCounts.complained", equalTo(1))
                .body("subscriberCounts.pending", equalTo(0));
        as(token).delete(ApiPaths.subscriber(id, d)).then().statusCode(204);
        as(token).get(ApiPaths.newsletter(id)).then().body("subscriberCounts.complained", equalTo(0));
    }

    @Test
    void listIsPaginatedAndDeleteRemoves() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(Newsletters.create(token, newSlug(), true));
        }
        JsonPath first = as(token)
                .queryParam("limit", 2)
                .get(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(200)
                .body("items", hasSize(2))
                .extract()
                .jsonPath();
        JsonPath second = as(token)
                .queryParam("limit", 2)
                .queryParam("cursor", first.getString("nextCursor"))
                .get(ApiPaths.NEWSLETTERS)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        List<String> ids = new ArrayList<>(first.getList("items.id"));
        ids.addAll(second.getList("items.id"));
        assertThat(second.getString("nextCursor")).isNull();
        assertThat(ids).containsExactly(created.get(2), created.get(1), created.get(0));

        as(token).delete(ApiPaths.newsletter(created.get(0))).then().statusCode(204);
        as(token)
                .get(ApiPaths.newsletter(created.get(0)))
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        as(token).get("/api/newsletters/not-a-uuid").then().statusCode(404);
    }
}
