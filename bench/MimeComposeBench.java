import dev.tidings.delivery.smtp.MimeWriter;
import java.util.List;
import java.util.Map;

/**
 * Microbenchmark of composing one mail (MimeWriter.alternative: ~6 KB, ASCII text and HTML parts,
 * no DKIM), the CPU the delivery path spends per mail before the transport. Run after a build:
 *
 *   java -cp target/classes bench/MimeComposeBench.java
 *
 * Prints microseconds per mail for 8 rounds of 200,000; the first rounds include JIT warm-up.
 */
public class MimeComposeBench {
    public static void main(String[] args) {
        StringBuilder markdown = new StringBuilder("# The Delivery Benchmark\n");
        for (int i = 1; markdown.length() < 2400; i++) {
            markdown.append("## Section ").append(i).append("\n\nHello Reader 42, this is the weekly dispatch. We measured")
                    .append(" how fast the delivery engine moves an issue from publish to the last accepted mail, and")
                    .append(" this paragraph is filler text of ordinary words so that the message has a realistic")
                    .append(" size on the wire. *Item ").append(i).append("* with a link.\n\n");
        }
        String text = markdown.toString();
        String html = "<html><body>" + text.replace("\n\n", "</p>\n<p>") + "</body></html>";
        List<Map.Entry<String, String>> headers = List.of(
                Map.entry("From", "\"Bench\" <bench@example.com>"),
                Map.entry("To", "reader1@example1.com"),
                Map.entry("Subject", "Bench issue for Reader 1"),
                Map.entry("Message-ID", "<0190abcd-1234-7000-8000-000000000000@localhost>"));
        long bytes = 0;
        for (int round = 1; round <= 8; round++) {
            int n = 200_000;
            long started = System.nanoTime();
            for (int i = 0; i < n; i++) {
                bytes += MimeWriter.alternative(headers, text, html, "=_0190abcd1234700080000000000000" + (i & 7), null).length;
            }
            long took = System.nanoTime() - started;
            System.out.printf("round %d: %.2f us per mail (%d bytes)%n", round, took / 1e3 / n, bytes / ((long) n * round));
        }
    }
}
