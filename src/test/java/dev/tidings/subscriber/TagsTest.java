package dev.tidings.subscriber;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Subscriber tags: set, bulk add/remove, counts, CSV import and export, erasure. */
@QuarkusTest
class TagsTest extends WriterTest {

    private String tagsOf(String sid) {
        return as(token)
                .get(ApiPaths.subscriber(newsletter, sid))
                .then()
                .statusCode(200)
                .extract()
                .path("tags")
                .toString();
    }

    @Test
    void tagsAreTrimmedLowerCasedSortedAndUnique() {
        String sid = Newsletters.addSubscriber(token, newsletter, "tagged@example.com", "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", List.of(" VIP ", "early-reader", "vip")))
                .put(ApiPaths.subscriber(newsletter, sid) + "/tags")
                .then()
                .statusCode(200)
                .body("tags", contains("early-reader", "vip"))
                .body("email", equalTo("tagged@example.com"));
        as(token).get(ApiPaths.subscribers(newsletter)).then().body("items[0].tags", contains("early-reader", "vip"));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", List.of()))
                .put(ApiPaths.subscriber(newsletter, sid) + "/tags")
                .then()
                .statusCode(200)
                .body("tags.size()", equalTo(0));
    }

    @Test
    void badTagsAreRefusedNamingTheFieldAndChangeNothing() {
        String sid = Newsletters.addSubscriber(token, newsletter, "strict@example.com", "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", List.of("ok")))
                .put(ApiPaths.subscriber(newsletter, sid) + "/tags")
                .then()
                .statusCode(200);
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            tooMany.add("t" + i);
        }
        Object[][] cases = {
            {Map.of("tags", List.of("fine", "a;b")), "tags[1]"},
            {Map.of("tags", List.of("x".repeat(65))), "tags[0]"},
            {Map.of("tags", List.of(" ")), "tags[0]"},
            {Map.of("tags", "vip"), "tags"},
            {Map.of("tags", tooMany), "tags"},
            {Map.of(), "tags"},
            {Map.of("tags", List.of("a"), "tag", "b"), "tag"},
        };
        for (Object[] c : cases) {
            as(token)
                    .contentType(ContentType.JSON)
                    .body(c[0])
                    .put(ApiPaths.subscriber(newsletter, sid) + "/tags")
                    .then()
                    .statusCode(400)
                    .body("errors.field", hasItem(c[1]));
        }
        assertThat(tagsOf(sid)).isEqualTo("[ok]");
    }

    @Test
    void bulkTaggingTouchesOnlyTheNamedSubscribersOfThisNewsletter() {
        String a = Newsletters.addSubscriber(token, newsletter, "a@example.com", "active");
        String b = Newsletters.addSubscriber(token, newsletter, "b@example.com", "active");
        String c = Newsletters.addSubscriber(token, newsletter, "c@example.com", "active");
        String other = Newsletters.create(token, Newsletters.newSlug(), false);
        String foreign = Newsletters.addSubscriber(token, other, "d@example.com", "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("add", List.of("Spring", "sale"), "subscriberIds", List.of(a, b, foreign)))
                .post(ApiPaths.subscribers(newsletter) + "/tags")
                .then()
                .statusCode(202)
                .body("matched", equalTo(2));
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("add", List.of("late"), "remove", List.of("sale"), "subscriberIds", List.of(b, c)))
                .post(ApiPaths.subscribers(newsletter) + "/tags")
                .then()
                .statusCode(202)
                .body("matched", equalTo(2));
        assertThat(tagsOf(a)).isEqualTo("[sale, spring]");
        assertThat(tagsOf(b)).isEqualTo("[late, spring]");
        assertThat(tagsOf(c)).isEqualTo("[late]");
        as(token).get(ApiPaths.subscriber(other, foreign)).then().body("tags.size()", equalTo(0));

        as(token)
                .get(ApiPaths.newsletter(newsletter) + "/tags")
                .then()
                .statusCode(200)
                .body("tag", contains("late", "sale", "spring"))
                .body("subscribers", contains(2, 1, 2));

        // Refusals name the field and change nothing.
        Object[][] cases = {
            {Map.of("add", List.of("x"), "segment", Map.of("all", List.of())), "segment.all"},
            {
                Map.of(
                        "add",
                        List.of("x"),
                        "segment",
                        Map.of("all", List.of(Map.of("tag", "x"))),
                        "subscriberIds",
                        List.of(a)),
                "subscriberIds"
            },
            {Map.of("add", List.of("x")), "subscriberIds"},
            {Map.of("subscriberIds", List.of(a)), "add"},
            {Map.of("add", List.of("x"), "remove", List.of("X"), "subscriberIds", List.of(a)), "remove"},
            {Map.of("add", List.of("x"), "subscriberIds", List.of("not-an-id")), "subscriberIds"},
            {Map.of("add", List.of("x"), "subscriberIds", java.util.Collections.nCopies(1001, a)), "subscriberIds"},
            {Map.of("add", List.of("x"), "subscriberIds", List.of(a), "extra", 1), "extra"},
        };
        for (Object[] bad : cases) {
            as(token)
                    .contentType(ContentType.JSON)
                    .body(bad[0])
                    .post(ApiPaths.subscribers(newsletter) + "/tags")
                    .then()
                    .statusCode(400)
                    .body("errors.field", hasItem(bad[1]));
        }
        assertThat(tagsOf(a)).isEqualTo("[sale, spring]");
    }

    @Test
    void anotherAccountCanNeitherTagNorCountTheseSubscribers() {
        String sid = Newsletters.addSubscriber(token, newsletter, "mine@example.com", "active");
        String stranger = Accounts.tokenFor(mailbox, Accounts.newEmail());
        as(stranger)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", List.of("x")))
                .put(ApiPaths.subscriber(newsletter, sid) + "/tags")
                .then()
                .statusCode(404);
        as(stranger)
                .contentType(ContentType.JSON)
                .body(Map.of("add", List.of("x"), "subscriberIds", List.of(sid)))
                .post(ApiPaths.subscribers(newsletter) + "/tags")
                .then()
                .statusCode(404);
        as(stranger).get(ApiPaths.newsletter(newsletter) + "/tags").then().statusCode(404);
        assertThat(tagsOf(sid)).isEqualTo("[]");
    }

    @Test
    void csvImportAddsTagsAndExportWritesThem() {
        String known = Newsletters.addSubscriber(token, newsletter, "known@example.com", "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", List.of("old")))
                .put(ApiPaths.subscriber(newsletter, known) + "/tags")
                .then()
                .statusCode(200);
        String csv = "email,tags,city\n"
                + "new@example.com,VIP; early,Paris\n"
                + "known@example.com,new-tag,Rome\n"
                + "bad@example.com," + "x".repeat(70) + ",Oslo\n";
        JsonPath result =
                Newsletters.awaitImport(token, Newsletters.startImport(token, newsletter, csv), Duration.ofSeconds(20));
        assertThat(result.getString("status")).isEqualTo("done");
        assertThat(result.getInt("created")).isEqualTo(1);
        assertThat(result.getInt("lines")).isEqualTo(3);
        assertThat(result.getString("errors[0].message")).contains("at most 64 characters");
        assertThat(tagsOf(known)).isEqualTo("[new-tag, old]");

        String export = as(token)
                .get(ApiPaths.newsletter(newsletter) + "/subscribers/export")
                .asString();
        assertThat(export.lines().findFirst().orElseThrow()).startsWith("email,name,status,tags,");
        assertThat(export)
                .contains("new@example.com,,active,early;vip,")
                .contains("known@example.com,,active,new-tag;old,");
        as(token)
                .get(ApiPaths.subscribers(newsletter))
                .then()
                .body("items.find { it.email == 'new@example.com' }.attributes.city", equalTo("Paris"))
                .body(
                        "items.find { it.email == 'new@example.com' }.attributes.tags",
                        org.hamcrest.Matchers.nullValue());
    }

    @Test
    void erasingASubscriberRemovesTheirTagsFromTheCounts() {
        String sid = Newsletters.addSubscriber(token, newsletter, "gone@example.com", "active");
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("tags", List.of("solo")))
                .put(ApiPaths.subscriber(newsletter, sid) + "/tags")
                .then()
                .statusCode(200);
        as(token).get(ApiPaths.newsletter(newsletter) + "/tags").then().body("tag", contains("solo"));
        as(token).delete(ApiPaths.subscriber(newsletter, sid)).then().statusCode(204);
        as(token)
                .get(ApiPaths.newsletter(newsletter) + "/tags")
                .then()
                .statusCode(200)
                .body("size()", equalTo(0))
                .body(containsString("[]"));
    }
}
