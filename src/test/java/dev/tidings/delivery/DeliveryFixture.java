package dev.tidings.delivery;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Newsletters;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** A newsletter with subscribers, and the delivery endpoints of its issues, as a test uses them. */
record DeliveryFixture(String token, String newsletter, String domain) {

    String base(String issue) {
        return ApiPaths.issue(newsletter, issue);
    }

    /** {@code n} active subscribers named "Reader i", imported through the API. */
    List<String> subscribers(int n) {
        List<String> emails =
                IntStream.range(0, n).mapToObj(i -> "reader" + i + "@" + domain).toList();
        String csv = "email,name\n"
                + IntStream.range(0, n)
                        .mapToObj(i -> emails.get(i) + ",Reader " + i)
                        .collect(Collectors.joining("\n"));
        String location = Newsletters.startImport(token, newsletter, csv);
        assertThat(Newsletters.awaitImport(token, location, Duration.ofSeconds(60))
                        .getString("status"))
                .isEqualTo("done");
        return emails;
    }

    JsonPath delivery(String issue) {
        return as(token)
                .get(base(issue) + "/delivery")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    JsonPath awaitStatus(String issue, String status) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> status.equals(delivery(issue).getString("status")));
        return delivery(issue);
    }

    void publish(String issue) {
        as(token)
                .contentType(ContentType.JSON)
                .body("{}")
                .post(base(issue) + "/publish")
                .then()
                .statusCode(202);
    }
}
