package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.issue.TrackableLinks;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which links are tracked, and how a mail's HTML is rewritten (the token itself is tested end to end). */
class TrackingLinksTest {

    @Test
    void onlyFixedHttpLinksAreTrackableOnceEachInOrder() {
        String html = "<a href=\"https://a.example/x?p=1&amp;q=2\">a</a>"
                + "<A HREF='http://b.example/'>b</A>"
                + "<a href=\"https://a.example/x?p=1&amp;q=2\">again</a>"
                + "<a href=\"{unsubscribeUrl}\">u</a>"
                + "<a href=\"https://c.example/{subscriber.id}\">mine</a>"
                + "<a href=\"mailto:me@example.com\">mail</a>"
                + "<a name=\"top\">anchor</a><img src=\"https://img.example/p.png\">";
        assertThat(TrackableLinks.of(html)).containsExactly("https://a.example/x?p=1&amp;q=2", "http://b.example/");
        assertThat(TrackableLinks.target("https://a.example/x?p=1&amp;q=2")).isEqualTo("https://a.example/x?p=1&q=2");
    }

    @Test
    void theRewriteReplacesTrackedAnchorsAndAddsThePixelBeforeTheBodyEnds() {
        String html = "<html><body><a class=\"btn\" href=\"https://a.example/\">a</a>"
                + "<a href=\"https://other.example/\">other</a>"
                + "<a href=\"http://localhost:8080/p/news/archive\">archive</a></body></html>";
        List<String> links = List.of("https://a.example/", "http://localhost:8080/p/news/archive");
        String out = TrackingLinks.rewrite(
                html, links, "http://localhost:8080", (i, open) -> open ? "OPEN" : "C" + i, true, true);
        assertThat(out)
                .contains("<a class=\"btn\" href=\"http://localhost:8080/t/c/C0\">a</a>")
                .contains("href=\"https://other.example/\"")
                .contains("href=\"http://localhost:8080/p/news/archive\"")
                .endsWith("height:1px\"></body></html>")
                .contains("src=\"http://localhost:8080/t/o/OPEN\"");
        String clicksOnly =
                TrackingLinks.rewrite(html, links, "http://localhost:8080", (i, open) -> "C" + i, true, false);
        assertThat(clicksOnly).doesNotContain("/t/o/");
        String opensOnly = TrackingLinks.rewrite(
                "<p>no body tag</p>", links, "http://localhost:8080", (i, open) -> "T", false, true);
        assertThat(opensOnly).startsWith("<p>no body tag</p><img").doesNotContain("/t/c/");
    }
}
