package dev.tidings.subscriber;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SubscriberAdminTest extends WriterTest {

    @Override
    protected boolean doubleOptIn() {
        return true;
    }

    private String path() {
        return ApiPaths.subscribers(newsletter);
    }

    @Test
    void createDefaultsToActiveAndTheSameAddressInAnyCaseIs409() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", " Reader@Example.COM ", "name", "Reader", "attributes", Map.of("plan", "pro")))
                .post(path())
                .then()
                .statusCode(201)
                .body("email", equalTo("Reader@example.com"))
                .body("status", equalTo("active"))
                .body("attributes.plan", equalTo("pro"))
                .body("confirmedAt", org.hamcrest.Matchers.notNullValue())
                .body("unsubscribedAt", nullValue());
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "reader@example.com"))
                .post(path())
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        assertThat(Database.strings("SELECT id FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .hasSize(1);
    }

    @Test
    void invalidSubscribersAre400AndStoreNothing() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "nobody", "name", "x".repeat(201)))
                .post(path())
                .then()
                .statusCode(400)
                .body("errors.field", containsInAnyOrder("email", "name"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "a@example.com", "attributes", List.of(1, 2)))
                .post(path())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("attributes"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "a@example.com", "attributes", Map.of("blob", "x".repeat(5000))))
                .post(path())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("attributes"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "a@example.com", "status", "deleted"))
                .post(path())
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("status"));
        assertThat(Database.strings("SELECT id FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .isEmpty();
    }

    @Test
    void creatingAPendingSubscriberMailsTheConfirmationFromTheNewsletter() throws Exception {
        String email = newEmail();
        Newsletters.addSubscriber(token, newsletter, email, "pending");
        var mail = mailbox.awaitMessage(email, 1);
        assertThat(mail.getFrom()[0].toString()).contains("The Editor").contains("editor@example.com");
        assertThat(Mailbox.part(mail, "text/plain")).get().asString().contains("/confirm?token=");
    }

    @Test
    void listFiltersSearchesAndPaginatesStablyUnderInserts() {
        Set<String> original = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            original.add(Newsletters.addSubscriber(
                    token, newsletter, "person" + i + "@example.com", i < 5 ? "active" : "unsubscribed"));
        }
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "zed@example.org", "name", "Zed Findable"))
                .post(path())
                .then()
                .statusCode(201);

        as(token)
                .queryParam("status", "unsubscribed")
                .get(path())
                .then()
                .statusCode(200)
                .body("items.status", org.hamcrest.Matchers.everyItem(equalTo("unsubscribed")))
                .body("items", org.hamcrest.Matchers.hasSize(2));
        as(token)
                .queryParam("q", "FINDABLE")
                .get(path())
                .then()
                .statusCode(200)
                .body("items.email", org.hamcrest.Matchers.contains("zed@example.org"));
        as(token).queryParam("q", "example.org").get(path()).then().body("items", org.hamcrest.Matchers.hasSize(1));
        as(token).queryParam("q", "%").get(path()).then().body("items", org.hamcrest.Matchers.hasSize(0));
        as(token).queryParam("status", "gone").get(path()).then().statusCode(400);

        // Walk pages of 3 while new subscribers arrive: every original shows up exactly once.
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int added = 0;
        do {
            var request = as(token).queryParam("limit", 3);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get(path()).then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id"));
            cursor = page.getString("nextCursor");
            Newsletters.addSubscriber(token, newsletter, "late" + added++ + "@example.com", "active");
        } while (cursor != null);
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(original);
    }

    @Test
    void patchUpdatesNameAndAttributesAndGuardsStatusTransitions() {
        String id = Newsletters.addSubscriber(token, newsletter, newEmail(), "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "Renamed", "attributes", Map.of("city", "Oslo")))
                .patch(path() + "/" + id)
                .then()
                .statusCode(200)
                .body("name", equalTo("Renamed"))
                .body("attributes.city", equalTo("Oslo"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "unsubscribed"))
                .patch(path() + "/" + id)
                .then()
                .statusCode(200)
                .body("status", equalTo("unsubscribed"))
                .body("unsubscribedAt", org.hamcrest.Matchers.notNullValue());
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "active"))
                .patch(path() + "/" + id)
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "pending"))
                .patch(path() + "/" + id)
                .then()
                .statusCode(409);
        as(token).get(path() + "/" + id).then().body("status", equalTo("unsubscribed"));

        String bounced = Newsletters.addSubscriber(token, newsletter, newEmail(), "bounced");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "active"))
                .patch(path() + "/" + bounced)
                .then()
                .statusCode(200)
                .body("status", equalTo("active"));
        String complained = Newsletters.addSubscriber(token, newsletter, newEmail(), "complained");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("status", "active"))
                .patch(path() + "/" + complained)
                .then()
                .statusCode(409);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("attributes", "flat"))
                .patch(path() + "/" + complained)
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("attributes"));
    }

    @Test
    void deleteErasesThePersonalDataAndThenAnswers404() {
        String email = newEmail();
        String id = Newsletters.addSubscriber(token, newsletter, email, "active");
        as(token).delete(path() + "/" + id).then().statusCode(204);
        as(token).get(path() + "/" + id).then().statusCode(404);
        as(token).delete(path() + "/" + id).then().statusCode(404);
        assertThat(Database.strings(
                        "SELECT coalesce(email, '') || coalesce(name, '') || attributes::text"
                                + " FROM subscriber WHERE id = ?::uuid",
                        id))
                .containsExactly("{}");
        assertThat(Database.strings("SELECT id FROM subscriber WHERE lower(email) = lower(?)", email))
                .isEmpty();
        as(token).get(path()).then().body("items.id", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(id)));
        // The address may sign up again later, as a new subscriber.
        Newsletters.addSubscriber(token, newsletter, email, "active");
    }
}
