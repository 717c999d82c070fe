package dev.tidings.subscriber;

import static dev.tidings.testing.Accounts.newEmail;
import static dev.tidings.testing.Newsletters.as;
import static dev.tidings.testing.Newsletters.newSlug;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.Newsletters;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ImportExportTest extends WriterTest {

    @Override
    protected boolean doubleOptIn() {
        return true;
    }

    private JsonPath importCsv(String target, String csv, String status) {
        var request = as(token).contentType("text/csv").body(csv);
        if (status != null) {
            request.queryParam("status", status);
        }
        String location = request.post(ApiPaths.imports(target))
                .then()
                .statusCode(202)
                .body("status", equalTo("running"))
                .extract()
                .header("Location");
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        !as(token).get(location).then().extract().path("status").equals("running"));
        return as(token).get(location).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void importReportsBadLinesByNumberAndImportsTheRest() {
        String csv = String.join(
                "\n",
                "email,name,city,plan",
                "ann@example.com,Ann,Oslo,pro",
                "not-an-email,Bad,Rome,free",
                "bob@example.com,,Paris,",
                "ann@EXAMPLE.com,Ann Again,Oslo,pro",
                "carl@example.com,Carl,Lima,free,extra-field",
                ",Nobody,,",
                "\"dora@example.com\",\"Dora, PhD\",\"Quito\",free");
        JsonPath result = importCsv(newsletter, csv, null);
        assertThat(result.getString("status")).isEqualTo("done");
        assertThat(result.getInt("total")).isEqualTo(7);
        assertThat(result.getInt("created")).isEqualTo(3);
        assertThat(result.getInt("skipped")).isEqualTo(4);
        assertThat(result.getList("errors.line", Integer.class)).containsExactly(3, 6, 7);
        assertThat(result.getString("errors[0].message")).contains("email");

        as(token)
                .get(ApiPaths.subscribers(newsletter))
                .then()
                .body(
                        "items.email",
                        org.hamcrest.Matchers.containsInAnyOrder(
                                "ann@example.com", "bob@example.com", "dora@example.com"))
                .body("items.find { it.email == 'dora@example.com' }.name", equalTo("Dora, PhD"))
                .body("items.find { it.email == 'ann@example.com' }.attributes.city", equalTo("Oslo"))
                .body("items.find { it.email == 'bob@example.com' }.attributes.plan", org.hamcrest.Matchers.nullValue())
                .body("items.status", org.hamcrest.Matchers.everyItem(equalTo("active")));
    }

    @Test
    void reimportUpdatesButNeverResubscribes() {
        String gone = Newsletters.addSubscriber(token, newsletter, "gone@example.com", "unsubscribed");
        JsonPath result =
                importCsv(newsletter, "email,name\ngone@example.com,Gone Person\nnew@example.com,New\n", null);
        assertThat(result.getInt("created")).isEqualTo(1);
        assertThat(result.getInt("updated")).isEqualTo(1);
        as(token)
                .get(ApiPaths.subscriber(newsletter, gone))
                .then()
                .body("status", equalTo("unsubscribed"))
                .body("name", equalTo("Gone Person"));
        JsonPath same = importCsv(newsletter, "email,name\ngone@example.com,Gone Person\n", null);
        assertThat(same.getInt("updated")).isZero();
        assertThat(same.getInt("skipped")).isEqualTo(1);
    }

    @Test
    void importAsPendingMailsConfirmations() {
        String email = newEmail();
        JsonPath result = importCsv(newsletter, "email\n" + email + "\n", "pending");
        assertThat(result.getInt("created")).isEqualTo(1);
        mailbox.awaitMessage(email, 1);
        assertThat(Database.strings("SELECT status FROM subscriber WHERE email = ?", email))
                .containsExactly("pending");
    }

    @Test
    void aFileWithoutAnEmailColumnIs400AndStartsNothing() {
        as(token)
                .contentType("text/csv")
                .body("name,city\nAnn,Oslo\n")
                .post(ApiPaths.imports(newsletter))
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        as(token)
                .contentType("text/csv")
                .body("")
                .post(ApiPaths.imports(newsletter))
                .then()
                .statusCode(400);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "x@example.com"))
                .post(ApiPaths.imports(newsletter))
                .then()
                .statusCode(415);
        as(token)
                .contentType("text/csv")
                .queryParam("status", "bounced")
                .body("email\na@example.com\n")
                .post(ApiPaths.imports(newsletter))
                .then()
                .statusCode(400);
        assertThat(Database.strings("SELECT id FROM subscriber_import WHERE newsletter_id = ?::uuid", newsletter))
                .isEmpty();
        assertThat(Database.strings("SELECT id FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .isEmpty();
    }

    @Test
    void exportRoundTripsThroughImportAndDefusesFormulas() {
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "email",
                        "eve@example.com",
                        "name",
                        "=HYPERLINK(\"http://x\")",
                        "attributes",
                        Map.of("city", "Bergen", "note", "says \"hi\", twice")))
                .post(ApiPaths.subscribers(newsletter))
                .then()
                .statusCode(201);
        as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("email", "finn@example.com", "name", "Finn", "status", "unsubscribed"))
                .post(ApiPaths.subscribers(newsletter))
                .then()
                .statusCode(201);
        String erased = Newsletters.addSubscriber(token, newsletter, "erased@example.com", "active");
        as(token).delete(ApiPaths.subscriber(newsletter, erased)).then().statusCode(204);

        var response = as(token).get(ApiPaths.newsletter(newsletter) + "/subscribers/export");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/csv");
        assertThat(response.header("Content-Disposition")).contains("attachment");
        String csv = response.asString();
        List<String> lines = csv.lines().toList();
        assertThat(lines.get(0)).isEqualTo("email,name,status,tags,created_at,confirmed_at,unsubscribed_at,city,note");
        assertThat(lines).hasSize(3);
        assertThat(csv)
                .contains("\"'=HYPERLINK(\"\"http://x\"\")\"")
                .contains("\"says \"\"hi\"\", twice\"")
                .doesNotContain("erased@example.com");

        String copy = Newsletters.create(token, newSlug(), true);
        JsonPath result = importCsv(copy, csv, null);
        assertThat(result.getInt("created")).isEqualTo(2);
        as(token)
                .get(ApiPaths.subscribers(copy))
                .then()
                .body("items.find { it.email == 'eve@example.com' }.name", equalTo("=HYPERLINK(\"http://x\")"))
                .body("items.find { it.email == 'eve@example.com' }.attributes.note", equalTo("says \"hi\", twice"))
                .body(
                        "items.find { it.email == 'eve@example.com' }.attributes.status",
                        org.hamcrest.Matchers.nullValue())
                .body("items.find { it.email == 'eve@example.com' }.status", equalTo("active"))
                // An export imported elsewhere never makes an unsubscribed person active.
                .body("items.find { it.email == 'finn@example.com' }.status", equalTo("unsubscribed"));
    }
}
