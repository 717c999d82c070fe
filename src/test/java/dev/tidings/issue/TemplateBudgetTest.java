package dev.tidings.issue;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A writer's template cannot make the server loop or allocate without bound: loops go only over
 * lists and maps the data has, and every render has a budget (work and output) that fails it with
 * a 400 at save and preview, and as a failed send with a clear last error at send time.
 */
@QuarkusTest
class TemplateBudgetTest extends WriterTest {

    private Response createIssue(String field, String body) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Budget", field, body))
                .post(ApiPaths.issues(newsletter));
    }

    private String subscriber(String email, Map<String, Object> attributes) {
        return Newsletters.addSubscriber(
                token, newsletter, Map.of("email", email, "name", "Reader", "attributes", attributes));
    }

    @Test
    void nestedLoopsOverNumbersAreRefusedAtSaveAtOnce() {
        long started = System.nanoTime();
        Response response = createIssue("bodyMarkdown", "{#for i in 3000}{#for j in 3000}x{/for}{/for}");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.jsonPath().getList("errors.field", String.class)).contains("bodyMarkdown");
        assertThat(response.jsonPath().getString("detail")).containsIgnoringCase("loop");
        assertThat(millis).as("refused in milliseconds, not seconds").isLessThan(3000);
    }

    @Test
    void aHugeLoopOverANumberIsRefusedAndTheServerStaysUp() {
        Response response = createIssue("bodyHtml", "<p>{#for i in 2000000000}{i}{/for}</p>");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.jsonPath().getList("errors.field", String.class)).contains("bodyHtml");
        createIssue("bodyMarkdown", "Still here, {subscriber.name}.").then().statusCode(201);
    }

    @Test
    void deeplyNestedSectionsAreA400NotA500() {
        String body = "{#if true}".repeat(5000) + "x" + "{/if}".repeat(5000);
        Response response = createIssue("bodyHtml", body);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.jsonPath().getList("errors.field", String.class))
                .as(response.asString())
                .contains("bodyHtml");
    }

    @Test
    void loopsOverASubscribersListsHitTheBudgetAtPreviewAndAtSend() {
        String body = "Hi {subscriber.name}\n\n"
                + "{#for a in subscriber.attributes.items.orEmpty}{#for b in subscriber.attributes.items.orEmpty}"
                + "{a}{b}{/for}{/for}";
        String issue = createIssue("bodyMarkdown", body)
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        List<Integer> items = IntStream.range(0, 300).boxed().toList();
        String heavy = subscriber("heavy@example.org", Map.of("items", items));
        String light = subscriber("light@example.org", Map.of("items", List.of(1, 2)));
        String base = ApiPaths.issue(newsletter, issue);

        Response preview = as(token).queryParam("subscriberId", heavy).get(base + "/preview");
        assertThat(preview.statusCode()).isEqualTo(400);
        assertThat(preview.contentType()).isEqualTo("application/problem+json");
        assertThat(preview.jsonPath().getString("detail")).containsIgnoringCase("budget");
        as(token)
                .queryParam("subscriberId", light)
                .get(base + "/preview")
                .then()
                .statusCode(200);

        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base + "/publish")
                .then()
                .statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "sent"
                .equals(as(token).get(base + "/delivery").then().extract().path("status")));
        JsonPath failed = as(token)
                .queryParam("status", "failed")
                .get(base + "/sends")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(failed.getList("items.email", String.class)).containsExactly("heavy@example.org");
        assertThat(failed.getInt("items[0].attempts"))
                .as("a template that cannot render is not retried")
                .isEqualTo(1);
        assertThat(failed.getString("items[0].lastError")).containsIgnoringCase("budget");
        assertThat(mailbox.messagesTo("light@example.org")).hasSize(1);
        assertThat(mailbox.messagesTo("heavy@example.org")).isEmpty();
    }

    @Test
    void aLoopBoundTakenFromAnAttributeIsRefused() {
        // A number is never iterated: refused at save, whatever the subscriber's data would say.
        Response counted = createIssue("bodyMarkdown", "{#for i in subscriber.attributes.count.or(1)}x{/for}");
        assertThat(counted.statusCode()).isEqualTo(400);
        assertThat(counted.jsonPath().getList("errors.field", String.class)).contains("bodyMarkdown");
        // A list at save time that is a number in one subscriber's data: refused for that subscriber.
        String issue = createIssue("bodyMarkdown", "{#for i in subscriber.attributes.items.orEmpty}x{/for}")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String sid = subscriber("counted@example.org", Map.of("items", 2_000_000_000));
        Response preview =
                as(token).queryParam("subscriberId", sid).get(ApiPaths.issue(newsletter, issue) + "/preview");
        assertThat(preview.statusCode()).isEqualTo(400);
        assertThat(preview.contentType()).isEqualTo("application/problem+json");
        assertThat(preview.jsonPath().getString("detail")).contains("number");
    }

    @Test
    void outputOverTheBudgetIsRefusedAtPreview() {
        Response created = createIssue("bodyHtml", "<p>{subscriber.attributes.big}</p>\n".repeat(800));
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String issue = created.path("id");
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("big", "b".repeat(3900));
        String sid = subscriber("big@example.org", attributes);
        Response preview =
                as(token).queryParam("subscriberId", sid).get(ApiPaths.issue(newsletter, issue) + "/preview");
        assertThat(preview.statusCode()).as(preview.asString()).isEqualTo(400);
        assertThat(preview.jsonPath().getString("detail")).containsIgnoringCase("budget");
    }

    @Test
    void aTemplateOfManyPlainExpressionsIsChargedToo() {
        // No loop at all: 25,000 expressions (about 400 KiB, within the body limit), each evaluated
        // twice per mail (HTML and the plain text made from it).
        String body = "<p>" + "{subscriber.name}".repeat(25_000) + "</p>";
        long started = System.nanoTime();
        Response response = createIssue("bodyHtml", body);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.jsonPath().getString("errors[0].message")).contains("budget");
        assertThat(millis).as("refused without rendering it").isLessThan(5_000);
    }
}
