package dev.tidings.subscriber;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every admin endpoint, called by a second account on the first one's things, answers 404. */
@QuarkusTest
class IsolationTest {

    @InjectMailbox
    Mailbox mailbox;

    record Call(String what, Function<RequestSpecification, Response> call) {}

    @Test
    void anotherAccountGets404EverywhereAndChangesNothing() {
        String owner = Accounts.tokenFor(mailbox, newEmail());
        String stranger = Accounts.tokenFor(mailbox, newEmail());
        String n = Newsletters.create(owner, newSlug(), true);
        String s = Newsletters.addSubscriber(owner, n, newEmail(), "active");
        String location = Newsletters.startImport(owner, n, "email\nx@example.com\n");
        String importId = location.substring(location.lastIndexOf('/') + 1);
        assertThat(Newsletters.awaitImport(owner, location, Duration.ofSeconds(20))
                        .getString("status"))
                .isEqualTo("done");
        String ownerTokenId = as(owner).get("/api/tokens").then().extract().path("items[0].id");
        String issue = as(owner)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Owner's issue", "bodyMarkdown", "Hello"))
                .post(ApiPaths.issues(n))
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String i = ApiPaths.issue(n, issue);
        String base = ApiPaths.newsletter(n);

        List<Call> calls = List.of(
                new Call("get newsletter", r -> r.get(base)),
                new Call("patch newsletter", r -> r.contentType(ContentType.JSON)
                        .body(Map.of("name", "Mine"))
                        .patch(base)),
                new Call("delete newsletter", r -> r.delete(base)),
                new Call("list subscribers", r -> r.get(base + "/subscribers")),
                new Call("add subscriber", r -> r.contentType(ContentType.JSON)
                        .body(Map.of("email", "planted@example.com"))
                        .post(base + "/subscribers")),
                new Call("get subscriber", r -> r.get(base + "/subscribers/" + s)),
                new Call("patch subscriber", r -> r.contentType(ContentType.JSON)
                        .body(Map.of("status", "unsubscribed"))
                        .patch(base + "/subscribers/" + s)),
                new Call("erase subscriber", r -> r.delete(base + "/subscribers/" + s)),
                new Call("import", r -> r.contentType("text/csv")
                        .body("email\nplanted@example.com\n")
                        .post(base + "/subscribers/import")),
                new Call("import status", r -> r.get(base + "/imports/" + importId)),
                new Call("export", r -> r.get(base + "/subscribers/export")),
                new Call("revoke token", r -> r.delete("/api/tokens/" + ownerTokenId)),
                new Call("list issues", r -> r.get(base + "/issues")),
                new Call("add issue", r -> r.contentType(ContentType.JSON)
                        .body(Map.of("subject", "Planted", "bodyMarkdown", "x"))
                        .post(base + "/issues")),
                new Call("get issue", r -> r.get(i)),
                new Call("patch issue", r -> r.contentType(ContentType.JSON)
                        .body(Map.of("subject", "Mine"))
                        .patch(i)),
                new Call("delete issue", r -> r.delete(i)),
                new Call("preview", r -> r.get(i + "/preview")),
                new Call("test send", r -> r.contentType(ContentType.JSON)
                        .body(Map.of("emails", List.of("x@example.com")))
                        .post(i + "/test")),
                new Call(
                        "publish",
                        r -> r.contentType(ContentType.JSON).body("{}").post(i + "/publish")),
                new Call("pause", r -> r.post(i + "/pause")),
                new Call("resume", r -> r.post(i + "/resume")),
                new Call("cancel", r -> r.post(i + "/cancel")),
                new Call("delivery", r -> r.get(i + "/delivery")),
                new Call("sends", r -> r.get(i + "/sends")));
        for (Call call : calls) {
            Response response = call.call().apply(as(stranger));
            assertThat(response.statusCode()).as(call.what()).isEqualTo(404);
            assertThat(response.contentType()).as(call.what()).startsWith("application/problem+json");
            assertThat(response.asString()).as(call.what()).doesNotContain("x@example.com");
        }

        as(owner).get(base).then().statusCode(200).body("name", org.hamcrest.Matchers.startsWith("Weekly"));
        as(owner)
                .get(base + "/subscribers/" + s)
                .then()
                .statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("active"));
        as(owner).get("/api/me").then().statusCode(200);
        as(owner)
                .get(i)
                .then()
                .statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("draft"))
                .body("subject", org.hamcrest.Matchers.equalTo("Owner's issue"));
        assertThat(Database.strings("SELECT email FROM subscriber WHERE newsletter_id = ?::uuid", n))
                .doesNotContain("planted@example.com");
        as(stranger).get(ApiPaths.NEWSLETTERS).then().statusCode(200).body("items", org.hamcrest.Matchers.empty());
    }
}
