package dev.tidings.issue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tidings.common.Problem;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The template machinery without a server: Markdown, derived text, escaping and save-time checks. */
class IssueTemplatesTest {

    private static final long LIMIT = IssueTemplates.DEFAULT_MAX_OUTPUT;

    private final IssueTemplates templates = new IssueTemplates();

    @Test
    void markdownThatWouldExpandPastTheLimitStopsThere() {
        String markdown = "[a]: https://example.org/" + "u".repeat(1_000) + "\n\n" + "[a] ".repeat(100);
        assertThat(Markdown.toHtml(markdown, 200_000)).hasSizeGreaterThan(100_000);
        assertThatThrownBy(() -> Markdown.toHtml(markdown, 50_000)).isInstanceOf(Markdown.TooLong.class);
    }

    private RenderedMail render(String subject, String preheader, String html, String text, Map<String, Object> sub) {
        CompiledIssue compiled =
                templates.compile(UUID.randomUUID(), UUID.randomUUID(), Instant.now(), subject, preheader, html, text);
        return templates.render(compiled, sub, "https://example.com/p/x/unsubscribe?token=a&b");
    }

    private static Map<String, Object> reader(String name, Map<String, Object> attributes) {
        return IssueTemplates.subscriberData(name, "reader@example.com", attributes);
    }

    @Test
    void markdownKeepsQuteExpressionsWithQuotesIntact() {
        String html = Markdown.toHtml(
                "Hello *{subscriber.name}*!\n\n"
                        + "{#if subscriber.attributes.plan == \"pro\"}Thanks for going **pro**.{#else}Consider pro.{/if}\n\n"
                        + "[Unsubscribe]({unsubscribeUrl}) and a \"quoted\" word",
                LIMIT);
        assertThat(html)
                .contains("{#if subscriber.attributes.plan == \"pro\"}")
                .contains("<em>{subscriber.name}</em>")
                .contains("href=\"{unsubscribeUrl}\">Unsubscribe</a>")
                .contains("&quot;quoted&quot;");
        RenderedMail pro = render("s", null, html, null, reader("Ann", Map.of("plan", "pro")));
        RenderedMail free = render("s", null, html, null, reader("Bob", Map.of()));
        assertThat(pro.html())
                .contains("Thanks for going <strong>pro</strong>.")
                .contains("<em>Ann</em>");
        assertThat(free.html()).contains("Consider pro.").doesNotContain("Thanks for going");
        assertThat(pro.html()).contains("href=\"https://example.com/p/x/unsubscribe?token=a&amp;b\"");
    }

    @Test
    void markdownEscapesRawHtmlAndDropsJavascriptLinks() {
        String html = Markdown.toHtml("<script>alert(1)</script>\n\n[click](javascript:alert(1)) <b>bold</b>", LIMIT);
        assertThat(html).doesNotContain("<script>").doesNotContain("<b>").doesNotContain("javascript:");
        assertThat(html).contains("&lt;script&gt;").contains("&lt;b&gt;bold&lt;/b&gt;");
    }

    @Test
    void escapedBraceInMarkdownStaysALiteralBrace() {
        String html = Markdown.toHtml("Use \\{subscriber.name} to greet", LIMIT);
        assertThat(render("s", null, html, null, reader("Ann", Map.of())).html())
                .contains("Use {subscriber.name} to greet");
    }

    @Test
    void valuesAreEscapedInHtmlButInsertedAsIsInTextAndSubjectIsOneLine() {
        RenderedMail mail = render(
                "Hi {subscriber.name}\r\nthere",
                null,
                "<p>Hi {subscriber.name}</p>",
                "Hi {subscriber.name}",
                reader("<script>alert(1)</script>", Map.of()));
        assertThat(mail.html())
                .contains("Hi &lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<script>");
        assertThat(mail.text()).isEqualTo("Hi <script>alert(1)</script>");
        assertThat(mail.subject()).isEqualTo("Hi <script>alert(1)</script> there");
    }

    @Test
    void missingAttributesRenderAsNothingAndElvisGivesTheFallback() {
        RenderedMail mail = render(
                "s",
                null,
                "<p>[{subscriber.attributes.city}] {subscriber.attributes.nick ?: 'friend'}</p>",
                null,
                reader("Ann", Map.of()));
        assertThat(mail.html()).contains("[] friend");
    }

    @Test
    void derivedTextIsReadableAndKeepsLinks() {
        String text = PlainText.fromHtml("<html><head><style>p{color:red}</style><title>T</title></head><body>"
                + "<h1>News</h1><p>Read <a href=\"https://example.com/post\">the post</a> today.</p>"
                + "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
                + "<p>Line<br>break &amp; more</p><script>x()</script>"
                + "<p><a href=\"https://example.com/raw\">https://example.com/raw</a></p></body></html>");
        assertThat(text)
                .isEqualTo("News\n\nRead the post (https://example.com/post) today.\n\n- one\n- two\n\n1. first\n\n"
                        + "Line\nbreak & more\n\nhttps://example.com/raw\n");
    }

    @Test
    void preheaderIsAHiddenSpanAtTheTopOfTheBodyAndNotInTheText() {
        RenderedMail mail = render(
                "s",
                "Inside: <news> & {braces}",
                "<html><body><p>Body</p></body></html>",
                null,
                reader("Ann", Map.of()));
        assertThat(mail.html())
                .contains("<body><span class=\"tidings-preheader\" style=\"display:none")
                .contains("Inside: &lt;news&gt; &amp; &#123;braces&#125;</span><p>Body</p>");
        assertThat(mail.text()).isEqualTo("Body\n");
    }

    @Test
    void templateErrorsNameTheLine() {
        Optional<Problem.FieldError> unclosed =
                templates.problem("bodyHtml", "<p>a</p>\n<p>{#if subscriber.name}b</p>\n", IssueTemplates.HTML);
        assertThat(unclosed).get().satisfies(e -> {
            assertThat(e.field()).isEqualTo("bodyHtml");
            assertThat(e.message()).startsWith("line ").contains("if");
        });
        Optional<Problem.FieldError> unknownSection =
                templates.problem("bodyText", "one\ntwo {#frobnicate}x{/frobnicate}", IssueTemplates.TEXT);
        assertThat(unknownSection)
                .get()
                .extracting(Problem.FieldError::message)
                .asString()
                .startsWith("line 2: ")
                .contains("frobnicate");
    }

    @Test
    void unknownValuesAndServerNamespacesAreRefusedAtSave() {
        assertThat(templates.problem("subject", "Hi {subscriber.nmae}", IssueTemplates.TEXT))
                .get()
                .extracting(Problem.FieldError::message)
                .asString()
                .contains("unknown value {subscriber.nmae}");
        assertThat(templates.problem("subject", "Hi {password}", IssueTemplates.TEXT))
                .isPresent();
        assertThat(templates.problem("bodyText", "{config:quarkus.datasource.password}", IssueTemplates.TEXT))
                .isPresent();
        assertThat(templates.problem("bodyText", "{inject:mailer}", IssueTemplates.TEXT))
                .isPresent();
        assertThat(templates.problem("bodyText", "{#include base /}", IssueTemplates.TEXT))
                .isPresent();
    }

    @Test
    void loopAndLetVariablesAreKnownInsideTheirSections() {
        assertThat(templates.problem(
                        "bodyText",
                        "{#for entry in subscriber.attributes}{entry.key}{entry_index}{/for}"
                                + "{#each subscriber.attributes}{it.value}{/each}"
                                + "{#let greeting='Hi'}{greeting} {subscriber.name}{/let} {unsubscribeUrl}",
                        IssueTemplates.TEXT))
                .isEmpty();
        assertThat(templates.problem("bodyText", "{#for e in subscriber.attributes}{/for}{e}", IssueTemplates.TEXT))
                .isPresent();
    }

    @Test
    void loopsGoOnlyOverListsAndMapsNeverOverANumber() {
        assertThat(templates.problem("bodyText", "{#for i in 3}{i}{/for}", IssueTemplates.TEXT))
                .get()
                .extracting(Problem.FieldError::message)
                .asString()
                .contains("list or map");
        RenderedMail mail = render(
                "s",
                null,
                "<p>{#for i in subscriber.attributes.tags}{i_count}:{i} {/for}</p>",
                "{#each subscriber.attributes.tags}{it}{/each}",
                reader("Ann", Map.of("tags", java.util.List.of("a", "b"))));
        assertThat(mail.html()).contains("1:a").contains("2:b");
        assertThat(mail.text()).isEqualTo("ab");
        assertThatThrownBy(() -> render(
                        "s",
                        null,
                        "<p>{#for i in subscriber.attributes.n}x{/for}</p>",
                        "t",
                        reader("Ann", Map.of("n", 2_000_000_000))))
                .isInstanceOf(RenderRefused.class)
                .hasMessageContaining("is a number");
    }

    @Test
    void aMissingListLoopsZeroTimesAndShowsTheElseBlock() {
        RenderedMail mail = render(
                "s",
                null,
                "<p>{#for i in subscriber.attributes.none}{i}{#else}nothing{/for}</p>",
                "t",
                reader("Ann", Map.of()));
        assertThat(mail.html()).contains("nothing");
        assertThat(templates.problem(
                        "bodyText", "{#for i in subscriber.attributes.items}{i}{/for}", IssueTemplates.TEXT))
                .isEmpty();
    }

    @Test
    void loopsChargeTheBudgetBeforeTheyRunNestedOnesPerOuterIteration() {
        IssueTemplates small = new IssueTemplates(1_000, IssueTemplates.DEFAULT_MAX_OUTPUT);
        java.util.List<Integer> thirty =
                java.util.stream.IntStream.range(0, 30).boxed().toList();
        CompiledIssue nested = small.compile(
                UUID.randomUUID(),
                UUID.randomUUID(),
                Instant.now(),
                "s",
                null,
                "{#for a in subscriber.attributes.l}{#for b in subscriber.attributes.l}{a}{b}{/for}{/for}",
                "t");
        // 30 outer iterations fit; 30 × 30 inner ones (× the nodes each repeats) do not.
        assertThatThrownBy(() -> small.render(nested, reader("Ann", Map.of("l", thirty)), "u"))
                .isInstanceOf(RenderRefused.class)
                .hasMessageContaining("budget");
        java.util.List<Integer> five =
                java.util.stream.IntStream.range(0, 5).boxed().toList();
        assertThat(small.render(nested, reader("Ann", Map.of("l", five)), "u").html())
                .contains("44");
    }

    @Test
    void outputOverTheBudgetIsRefusedWhileItIsWritten() {
        IssueTemplates small = new IssueTemplates(IssueTemplates.DEFAULT_MAX_STEPS, 10_000);
        CompiledIssue issue = small.compile(
                UUID.randomUUID(),
                UUID.randomUUID(),
                Instant.now(),
                "s",
                null,
                "<p>{subscriber.attributes.big}</p>\n".repeat(5),
                "t");
        assertThat(small.render(issue, reader("Ann", Map.of("big", "b".repeat(1000))), "u")
                        .html())
                .hasSizeGreaterThan(5000);
        assertThatThrownBy(() -> small.render(issue, reader("Ann", Map.of("big", "b".repeat(3000))), "u"))
                .isInstanceOf(RenderRefused.class)
                .hasMessageContaining("longer than");
    }

    @Test
    void deeplyNestedSectionsAreRefusedBeforeParsing() {
        String deep =
                "{#if true}".repeat(IssueTemplates.MAX_DEPTH + 1) + "x" + "{/if}".repeat(IssueTemplates.MAX_DEPTH + 1);
        assertThat(templates.problem("bodyHtml", deep, IssueTemplates.HTML))
                .get()
                .extracting(Problem.FieldError::message)
                .asString()
                .contains("nested");
        String fine = "{#if true}a{#else}b{/if}{#let x=1}{x}{/let}{#when subscriber.name}{#is 'a'}A{#else}B{/when}";
        assertThat(IssueTemplates.sectionDepth(fine)).isEqualTo(1);
        assertThat(templates.problem("bodyText", fine, IssueTemplates.TEXT)).isEmpty();
    }
}
