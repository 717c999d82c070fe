package dev.tidings.issue;

import dev.tidings.common.Problem;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Expression;
import io.quarkus.qute.HtmlEscaper;
import io.quarkus.qute.IfSectionHelper;
import io.quarkus.qute.ResultMapper;
import io.quarkus.qute.Results;
import io.quarkus.qute.SectionBlock;
import io.quarkus.qute.SectionNode;
import io.quarkus.qute.SetSectionHelper;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateException;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.qute.TemplateNode;
import io.quarkus.qute.Variant;
import io.quarkus.qute.WhenSectionHelper;
import io.quarkus.qute.WithSectionHelper;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Qute side of issues: the engine that writers' templates run in, and the checks that find a
 * broken template when it is saved rather than in the middle of a send.
 *
 * <p>Writers' templates get an engine of their own, not the application's: that one resolves
 * {@code config:} and {@code inject:} (server settings, beans) and reflects on any object, none of
 * which a newsletter author may reach. This one knows only maps, strings and numbers, the sections
 * if/for/each/with/let/set/when, and no include or eval. A value that is not there (a missing
 * attribute) renders as nothing.
 *
 * <p>A writer is an untrusted tenant, so every render has a {@link RenderBudget}: loops go only
 * over lists and maps of the data (never over a number: {@code {#for i in 50000}} is refused),
 * and charge their iterations before they run; the output is counted as it is written; sections
 * nest at most {@value #MAX_DEPTH} deep. Over budget, the render fails with {@link RenderRefused}.
 */
@ApplicationScoped
public class IssueTemplates {

    /** Sections inside sections, at most (deeper nesting would exhaust the stack of whoever renders). */
    static final int MAX_DEPTH = 32;

    static final int DEFAULT_MAX_STEPS = 10_000;
    static final long DEFAULT_MAX_OUTPUT = 2L * 1024 * 1024;

    static final Variant HTML = new Variant(Locale.ROOT, "text/html", "UTF-8");
    static final Variant TEXT = new Variant(Locale.ROOT, "text/plain", "UTF-8");

    private static final Set<String> SUBSCRIBER_FIELDS = Set.of("name", "email", "attributes");
    private static final Set<String> ROOTS = Set.of("subscriber", "unsubscribeUrl");
    private static final Pattern LINE_BREAKS = Pattern.compile("[\\r\\n]+");
    private static final Pattern BODY_TAG = Pattern.compile("<body\\b[^>]*>", Pattern.CASE_INSENSITIVE);

    private final Engine engine = Engine.builder()
            .addSectionHelpers(
                    new IfSectionHelper.Factory(),
                    new BudgetedLoop.Factory(),
                    new WithSectionHelper.Factory(),
                    new SetSectionHelper.Factory(),
                    new WhenSectionHelper.Factory())
            .addDefaultValueResolvers()
            .addResultMapper(new HtmlEscaper(List.of("text/html")))
            .addResultMapper(new NothingForMissingValues())
            .strictRendering(false)
            .removeStandaloneLines(true)
            .build();

    private final long maxSteps;
    private final long maxOutput;

    /** With the default budget (unit tests). */
    public IssueTemplates() {
        this(DEFAULT_MAX_STEPS, DEFAULT_MAX_OUTPUT);
    }

    @jakarta.inject.Inject
    public IssueTemplates(dev.tidings.config.TidingsConfig config) {
        this(config.templates().maxSteps(), config.templates().maxOutput().asLongValue());
    }

    IssueTemplates(long maxSteps, long maxOutput) {
        this.maxSteps = maxSteps;
        this.maxOutput = maxOutput;
    }

    /** Parses a template that has passed {@link #problem}. */
    public Template parse(String source, Variant variant) {
        return engine.parse(source, variant);
    }

    /** A fresh budget for one mail (subject, HTML and text together). */
    RenderBudget budget() {
        return new RenderBudget(maxSteps, maxOutput);
    }

    /** Renders one template within {@code budget}; the output is counted as it is produced. */
    static String render(TemplateInstance instance, RenderBudget budget) {
        instance.setAttribute(RenderBudget.ATTRIBUTE, budget);
        budget.spendNodes(BudgetedLoop.nodes(instance.getTemplate().getNodes()));
        StringBuilder out = new StringBuilder();
        try {
            instance.consume(chunk -> budget.write(out, chunk))
                    .toCompletableFuture()
                    .join();
        } catch (RuntimeException e) {
            RenderRefused refused = refusal(e);
            if (refused != null) {
                throw refused;
            }
            throw e instanceof java.util.concurrent.CompletionException
                            && e.getCause() instanceof RuntimeException cause
                    ? cause
                    : e;
        } catch (StackOverflowError e) {
            throw new RenderRefused("the template is nested too deeply to render");
        }
        return out.toString();
    }

    /** The refusal behind a failure, however Qute wrapped it (as a cause or a suppressed exception). */
    private static RenderRefused refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RenderRefused refused) {
                return refused;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                RenderRefused inner = refusal(suppressed);
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }

    /** The compiled form of an issue's stored content: what is previewed is what is sent. */
    public CompiledIssue compile(
            java.util.UUID id,
            java.util.UUID newsletterId,
            java.time.Instant updatedAt,
            String subject,
            String preheader,
            String bodyHtml,
            String bodyText) {
        String text = bodyText != null ? bodyText : PlainText.fromHtml(bodyHtml);
        return new CompiledIssue(
                id,
                newsletterId,
                updatedAt,
                parse(subject, TEXT),
                preheader,
                parse(withPreheader(bodyHtml, preheader), HTML),
                parse(text, TEXT),
                TrackableLinks.of(bodyHtml));
    }

    /**
     * Renders one compiled issue within one budget; the subject always comes out as one line.
     * Throws {@link RenderRefused} when the template goes over its budget for this subscriber.
     */
    public RenderedMail render(CompiledIssue issue, Map<String, Object> subscriber, String unsubscribeUrl) {
        RenderBudget budget = budget();
        String subject =
                render(issue.subject().data("subscriber", subscriber).data("unsubscribeUrl", unsubscribeUrl), budget);
        return new RenderedMail(
                LINE_BREAKS.matcher(subject).replaceAll(" ").strip(),
                render(issue.html().data("subscriber", subscriber).data("unsubscribeUrl", unsubscribeUrl), budget),
                render(issue.text().data("subscriber", subscriber).data("unsubscribeUrl", unsubscribeUrl), budget));
    }

    /**
     * What is wrong with a template, naming {@code field} and the line: a syntax error, an unknown
     * section, a value that does not exist, or a failure to render with sample data. Empty if fine.
     */
    public Optional<Problem.FieldError> problem(String field, String source, Variant variant) {
        if (sectionDepth(source) > MAX_DEPTH) {
            return Optional.of(new Problem.FieldError(
                    field, "sections ({#if}, {#for}, …) may be nested at most " + MAX_DEPTH + " deep"));
        }
        Template template;
        try {
            template = engine.parse(source, variant);
        } catch (TemplateException e) {
            return Optional.of(new Problem.FieldError(field, at(e.getOrigin()) + describe(e)));
        } catch (StackOverflowError e) {
            return Optional.of(new Problem.FieldError(field, "is nested too deeply"));
        }
        Optional<String> unknown = unknownValue(template.getNodes(), new HashSet<>());
        if (unknown.isPresent()) {
            return Optional.of(new Problem.FieldError(field, unknown.get()));
        }
        try {
            render(
                    template.data("subscriber", sample()).data("unsubscribeUrl", "https://example.com/unsubscribe"),
                    budget());
        } catch (RenderRefused e) {
            return Optional.of(new Problem.FieldError(field, e.getMessage()));
        } catch (TemplateException e) {
            return Optional.of(new Problem.FieldError(field, at(e.getOrigin()) + "cannot be rendered"));
        } catch (RuntimeException e) {
            return Optional.of(new Problem.FieldError(field, "cannot be rendered with sample data"));
        }
        return Optional.empty();
    }

    /**
     * How deep sections nest, read from the source before parsing (a parser or renderer given ten
     * thousand nested sections would recurse that deep). Block labels inside a section ({#else},
     * {#case}, {#is}) and self-closing sections ({#let x=1 /}) do not nest.
     */
    static int sectionDepth(String source) {
        int depth = 0;
        int max = 0;
        int i = source.indexOf('{');
        while (i >= 0 && i + 1 < source.length()) {
            char next = source.charAt(i + 1);
            if (next == '#') {
                int end = source.indexOf('}', i);
                String tag = end < 0 ? source.substring(i + 2) : source.substring(i + 2, end);
                String name = tag.split("[\\s}]", 2)[0];
                boolean block = name.equals("else") || name.equals("case") || name.equals("is");
                if (!block && !tag.strip().endsWith("/")) {
                    max = Math.max(max, ++depth);
                }
            } else if (next == '/') {
                depth = Math.max(0, depth - 1);
            }
            i = source.indexOf('{', i + 1);
        }
        return max;
    }

    /**
     * Inserts the preheader (the preview line mail clients show after the subject) as the usual
     * hidden span at the top of the body. It is plain text: HTML-escaped, and its braces made
     * entities so that Qute leaves it alone.
     */
    static String withPreheader(String html, String preheader) {
        if (preheader == null || preheader.isBlank()) {
            return html;
        }
        String span = "<span class=\"tidings-preheader\" style=\"display:none !important;visibility:hidden;"
                + "mso-hide:all;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden\">"
                + org.jsoup.nodes.Entities.escape(preheader)
                        .replace("{", "&#123;")
                        .replace("}", "&#125;")
                + "</span>";
        var body = BODY_TAG.matcher(html);
        if (body.find()) {
            return html.substring(0, body.end()) + span + html.substring(body.end());
        }
        return span + html;
    }

    static Map<String, Object> subscriberData(String name, String email, Map<String, Object> attributes) {
        Map<String, Object> subscriber = new HashMap<>(4);
        subscriber.put("name", name == null ? "" : name);
        subscriber.put("email", email == null ? "" : email);
        subscriber.put("attributes", attributes == null ? Map.of() : attributes);
        return subscriber;
    }

    private static Map<String, Object> sample() {
        return subscriberData("Sample Reader", "sample@example.com", Map.of());
    }

    /**
     * The first expression that names data an issue does not have. Names bound by enclosing
     * sections (a loop's alias and its metadata, let/set) are fine; inside {@code with} anything
     * may be a property of the object, so nothing there is flagged.
     */
    private static Optional<String> unknownValue(List<TemplateNode> nodes, Set<String> locals) {
        for (TemplateNode node : nodes) {
            if (node.isExpression()) {
                for (Expression expression : node.getExpressions()) {
                    Optional<String> problem = check(expression, locals);
                    if (problem.isPresent()) {
                        return problem;
                    }
                }
            } else if (node.isSection()) {
                SectionNode section = node.asSection();
                if (section.getName().equals("with")) {
                    continue;
                }
                for (SectionBlock block : section.getBlocks()) {
                    for (Expression expression : block.expressions.values()) {
                        Optional<String> problem = check(expression, locals);
                        if (problem.isPresent()) {
                            return problem;
                        }
                    }
                    Set<String> inner = new HashSet<>(locals);
                    if (block.label.equals("$main")) {
                        inner.addAll(bound(section.getName(), block));
                    }
                    Optional<String> problem = unknownValue(block.nodes, inner);
                    if (problem.isPresent()) {
                        return problem;
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Set<String> bound(String section, SectionBlock block) {
        return switch (section) {
            case "for", "each" -> {
                String alias = block.parameters.get("alias");
                yield Set.of(alias == null || alias.startsWith("$") ? "it" : alias);
            }
            case "let", "set" -> block.parameters.keySet();
            default -> Set.of();
        };
    }

    private static Optional<String> check(Expression expression, Set<String> locals) {
        if (expression.isLiteral() || expression.getParts().isEmpty()) {
            return Optional.empty();
        }
        String root = expression.getParts().get(0).getName();
        if (locals.contains(root) || locals.stream().anyMatch(l -> root.startsWith(l + "_"))) {
            return Optional.empty();
        }
        String shown = "{" + expression.toOriginalString() + "}";
        if (!ROOTS.contains(root)) {
            return Optional.of(at(expression.getOrigin()) + "unknown value " + shown
                    + "; use subscriber.name, subscriber.email, subscriber.attributes.<key> or unsubscribeUrl");
        }
        if (root.equals("subscriber")
                && expression.getParts().size() > 1
                && !SUBSCRIBER_FIELDS.contains(expression.getParts().get(1).getName())) {
            return Optional.of(at(expression.getOrigin()) + "unknown value " + shown
                    + "; a subscriber has name, email and attributes.<key>");
        }
        return Optional.empty();
    }

    private static String at(TemplateNode.Origin origin) {
        return origin == null ? "" : "line " + origin.getLine() + ": ";
    }

    /** Qute's own wording of a template error, without its "Parser error:" prefix. */
    private static String describe(TemplateException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        int colon = message.indexOf(": ");
        if (colon >= 0 && message.substring(0, colon).endsWith("error")) {
            message = message.substring(colon + 2);
        }
        message = LINE_BREAKS.matcher(message).replaceAll(" ").strip();
        return message.isEmpty() ? "is not a valid template" : message;
    }

    /** Values that are not there print nothing (a subscriber without that attribute, say). */
    private static final class NothingForMissingValues implements ResultMapper {
        @Override
        public int getPriority() {
            return 100;
        }

        @Override
        public boolean appliesTo(TemplateNode.Origin origin, Object result) {
            return Results.isNotFound(result);
        }

        @Override
        public String map(Object result, Expression expression) {
            return "";
        }
    }
}
