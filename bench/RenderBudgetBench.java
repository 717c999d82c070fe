import dev.tidings.issue.CompiledIssue;
import dev.tidings.issue.IssueTemplates;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * What the costliest writer's template within the default render budget (SECURITY.md, issue 10)
 * costs per mail, against an ordinary issue: two nested loops just under 10,000 steps, 9,990 plain
 * expressions (each a step), an output just under 2 MiB, and a plain 4 KB issue, each rendered
 * warm. Run after a build:
 *
 *   ./mvnw -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime
 *   java -cp "target/classes:$(cat target/cp.txt)" bench/RenderBudgetBench.java [items]
 *
 * {@code items} (default 57) is the length of the list the loops go over: 57 gives 9,804 steps.
 */
public class RenderBudgetBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 57;
        IssueTemplates templates = new IssueTemplates();
        Map<String, CompiledIssue> issues = Map.of( // (Map.of: at most 10 pairs)
                "nested loops",
                compile(templates, "{#for a in subscriber.attributes.items.orEmpty}"
                        + "{#for b in subscriber.attributes.items.orEmpty}{a}{b}{/for}{/for}"),
                "9,990 expressions",
                compile(templates, "{subscriber.name}".repeat(9_990)),
                "2 MiB output",
                compile(templates, "<p>{subscriber.attributes.big}</p>\n".repeat(520)),
                "ordinary issue",
                compile(templates, "<p>Hello {subscriber.name}</p>" + "<p>A paragraph of ordinary text.</p>".repeat(120)));
        Map<String, Object> subscriber = new HashMap<>();
        subscriber.put("name", "Reader");
        subscriber.put("email", "reader@example.org");
        subscriber.put(
                "attributes",
                Map.of("items", IntStream.range(0, n).boxed().toList(), "big", "b".repeat(3900)));
        for (String name : List.of("nested loops", "9,990 expressions", "2 MiB output", "ordinary issue")) {
            CompiledIssue issue = issues.get(name);
            int rounds = name.startsWith("ordinary") ? 20_000 : 300;
            for (int i = 0; i < rounds; i++) {
                templates.render(issue, subscriber, "https://example.org/u"); // warm-up
            }
            long started = System.nanoTime();
            long chars = 0;
            for (int i = 0; i < rounds; i++) {
                chars += templates.render(issue, subscriber, "https://example.org/u").html().length();
            }
            System.out.printf(
                    "%-17s %8.3f ms per mail (%,d chars of HTML)%n",
                    name, (System.nanoTime() - started) / 1e6 / rounds, chars / rounds);
        }
    }

    private static CompiledIssue compile(IssueTemplates templates, String html) {
        return templates.compile(UUID.randomUUID(), UUID.randomUUID(), Instant.now(), "s", null, html, "t");
    }
}
