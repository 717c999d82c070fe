import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the worst Markdown bodies a writer may save cost to turn into HTML (issue 10, SECURITY.md):
 * pathological inputs known from the CommonMark implementations' bug trackers, each as one
 * paragraph of {@code size} characters (default 524,288, the body limit), against an ordinary
 * document of the same size. Calls the app's own {@code Markdown.toHtml} with the 2 MiB output
 * limit. Run after a build:
 *
 *   ./mvnw -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime
 *   java -Xss1m -cp "target/classes:$(cat target/cp.txt)" bench/MarkdownBench.java [size]
 *
 * To compare another commonmark-java, put its jar first on the class path.
 */
public class MarkdownBench {
    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 512 * 1024;
        Method toHtml = Class.forName("dev.tidings.issue.Markdown").getDeclaredMethod("toHtml", String.class, long.class);
        toHtml.setAccessible(true);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("ordinary prose", ordinary(size));
        cases.put("'<' unclosed", "<".repeat(size));
        cases.put("'[x](' unclosed", "[x](".repeat(size / 4));
        cases.put("'[x]: <' defs", "[x]: <".repeat(size / 6));
        cases.put("'*_' alternating", "*_".repeat(size / 4) + "x" + "_*".repeat(size / 4));
        cases.put("'**' nested", "**".repeat(size / 4) + "x" + "**".repeat(size / 4));
        cases.put("'![' nested", "![".repeat(size / 6) + "x" + "](u)".repeat(size / 6));
        cases.put("'>' nested", ">".repeat(size) + " x");
        cases.put("'- ' nested", "- ".repeat(size / 2) + "x");
        cases.put("link x 10,000", "[a]: https://example.org/" + "u".repeat(size / 2) + "\n\n" + "[a]".repeat(10_000));
        toHtml.invoke(null, ordinary(size), 2L * 1024 * 1024); // warm-up
        for (Map.Entry<String, String> c : cases.entrySet()) {
            long started = System.nanoTime();
            String outcome;
            try {
                outcome = String.format("%,d chars of HTML", ((String) toHtml.invoke(null, c.getValue(), 2L * 1024 * 1024)).length());
            } catch (InvocationTargetException e) {
                outcome = e.getCause().getClass().getSimpleName();
            }
            System.out.printf("%-18s %9.1f ms  %s%n", c.getKey(), (System.nanoTime() - started) / 1e6, outcome);
        }
    }

    private static String ordinary(int size) {
        String paragraph = "A paragraph with *emphasis*, **strong words**, `code` and [a link](https://example.org/a)"
                + " to somewhere, as a writer would have it.\n\n";
        StringBuilder out = new StringBuilder("# A title\n\n");
        while (out.length() + paragraph.length() < size) {
            out.append(paragraph);
        }
        return out.toString();
    }
}
