package dev.tidings.issue;

import static dev.tidings.testing.Newsletters.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A writer's Markdown is parsed on our CPU: within the 512 KiB a body may have, no input may make
 * the parser recurse off the stack, spend seconds, or expand into more HTML than a mail may hold.
 */
@QuarkusTest
class MarkdownAbuseTest extends WriterTest {

    private Response createIssue(String markdown) {
        return as(token)
                .contentType(ContentType.JSON)
                .body(Map.of("subject", "Markdown", "bodyMarkdown", markdown))
                .post(ApiPaths.issues(newsletter));
    }

    private int issues() {
        return Integer.parseInt(Database.strings("SELECT count(*) FROM issue WHERE newsletter_id = ?::uuid", newsletter)
                .get(0));
    }

    @Test
    void aLinkReferenceUsedManyTimesIsRefusedBeforeItIsExpanded() {
        // 120 KiB of Markdown: one 20 KiB link used 5,000 times is 100 million characters of HTML
        // (a 250 KiB link used 80,000 times, still under 512 KiB, would be 20 billion).
        String markdown = "[a]: https://example.org/" + "u".repeat(20_000) + "\n\n" + "[a] ".repeat(5_000);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getTotalThreadAllocatedBytes();
        Response response = createIssue(markdown);
        long allocated = threads.getTotalThreadAllocatedBytes() - allocatedBefore;

        assertThat(allocated)
                .as("bytes the process allocated to refuse it (the expansion is 200 MB)")
                .isLessThan(80L * 1024 * 1024);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.jsonPath().getList("errors.field", String.class)).containsExactly("bodyMarkdown");
        assertThat(response.jsonPath().getString("errors[0].message")).contains("MiB of HTML");
        assertThat(issues()).isZero();
    }

    @Test
    void deeplyNestedMarkdownIsAnsweredNotAServerError() {
        // Each of these made the parser or the renderer recurse once per level: a 500 at save.
        Map<String, String> inputs = Map.of(
                "quotes", ">".repeat(200_000) + " deep",
                "list items", "- ".repeat(100_000) + "deep",
                "emphasis", "*".repeat(100_000) + "deep" + "*".repeat(100_000),
                "images", "![".repeat(40_000) + "deep" + "](u)".repeat(40_000));
        inputs.forEach((name, markdown) -> {
            Response response = createIssue(markdown);
            assertThat(response.statusCode()).as(name).isIn(201, 400);
            if (response.statusCode() == 400) {
                assertThat(response.contentType()).as(name).isEqualTo("application/problem+json");
                assertThat(response.jsonPath().getList("errors.field", String.class))
                        .as(name)
                        .contains("bodyMarkdown");
            }
        });
    }

    @Test
    void manyUnclosedAngleBracketsAreSavedAsText() {
        // Every '<' made the parser look to the end of the paragraph for the end of an HTML tag:
        // quadratic, over a minute of CPU for 400,000 of them (refused as too slow after 5 s while
        // the worker went on). Raw HTML in Markdown is shown as text, so this is a valid body.
        Response response = createIssue("<".repeat(400_000));
        assertThat(response.statusCode()).isEqualTo(201);
        String id = response.jsonPath().getString("id");
        assertThat(Database.strings("SELECT length(body_html) FROM issue WHERE id = ?::uuid", id))
                .containsExactly(String.valueOf("<p></p>\n".length() + 4 * 400_000));
    }
}
