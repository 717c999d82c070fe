package dev.tidings.subscriber;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/** The CSV reader that keeps every record short, read back by the parser the import uses. */
class BoundedCsvReaderTest {

    private record Parsed(List<List<String>> records, List<Long> lines, BoundedCsvReader reader) {}

    private static Parsed parse(String csv, int max) throws IOException {
        BoundedCsvReader reader = new BoundedCsvReader(new StringReader(csv), max);
        List<List<String>> records = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        try (CSVParser parser = CsvColumns.IMPORT.parse(reader)) {
            for (CSVRecord record : parser) {
                records.add(record.toList());
                lines.add(parser.getCurrentLineNumber());
            }
        }
        return new Parsed(records, lines, reader);
    }

    @Test
    void shortRecordsPassUnchangedIncludingQuotedLineBreaks() throws IOException {
        String csv = "email,note\na@example.com,\"two\nlines\"\nb@example.com,\"say \"\"hi\"\"\"\n";
        Parsed parsed = parse(csv, 100);
        assertThat(parsed.records())
                .containsExactly(List.of("a@example.com", "two\nlines"), List.of("b@example.com", "say \"hi\""));
        assertThat(parsed.reader().cutLineWithin(1, 100)).isEqualTo(-1);
    }

    @Test
    void anOverlongLineIsCutClosedAndRememberedAndTheNextLinesStillParse() throws IOException {
        String csv = "email,note\nfirst@example.com,ok\nlong@example.com,\"" + "x".repeat(10_000) + "\"\n"
                + "last@example.com,ok\n";
        Parsed parsed = parse(csv, 100);
        assertThat(parsed.records()).hasSize(3);
        assertThat(parsed.records().get(1).get(1)).hasSizeLessThan(100);
        assertThat(parsed.records().get(2)).containsExactly("last@example.com", "ok");
        assertThat(parsed.reader().cutLineWithin(3, 3)).isEqualTo(3);
        assertThat(parsed.reader().cutLineWithin(4, 4)).isEqualTo(-1);
    }

    @Test
    void aRecordThatNeverClosesItsQuoteIsCutInsteadOfSwallowingTheFile() throws IOException {
        StringBuilder csv = new StringBuilder("email,note\nopen@example.com,\"never closed\n");
        for (int i = 0; i < 1000; i++) {
            csv.append("line ").append(i).append('\n');
        }
        Parsed parsed = parse(csv.toString(), 200);
        assertThat(parsed.records().get(0).get(1).length()).isLessThanOrEqualTo(200);
        assertThat(parsed.reader().cutLineWithin(1, 10_000)).isGreaterThan(0);
    }

    @Test
    void aQuoteInsideAFieldDoesNotOpenOneForTheReaderWhenItDoesNotForTheParser() throws IOException {
        // x" is literal text to the parser (a quote opens only at the start of a field); the reader
        // must not count it as one, or the following ," opens a field the reader thinks is closed.
        StringBuilder csv = new StringBuilder("email,name\na@example.com,x\",\"");
        for (int i = 0; i < 2000; i++) {
            csv.append("short line ").append(i).append('\n');
        }
        Parsed parsed = parse(csv.toString(), 200);
        for (List<String> record : parsed.records()) {
            for (String value : record) {
                assertThat(value.length()).as("a value the parser holds").isLessThanOrEqualTo(200);
            }
        }
        assertThat(parsed.reader().cutLineWithin(2, Long.MAX_VALUE)).isPositive();
    }

    @Test
    void escapedQuotesAndQuotedCommasKeepTheReaderInStepWithTheParser() throws IOException {
        String csv = "email,note\na@example.com,\"a \"\"quoted\"\", with comma\"\nb@example.com,plain\"quote\n"
                + "c@example.com,\"\"\"\"\n";
        Parsed parsed = parse(csv, 100);
        assertThat(parsed.records())
                .containsExactly(
                        List.of("a@example.com", "a \"quoted\", with comma"),
                        List.of("b@example.com", "plain\"quote"),
                        List.of("c@example.com", "\""));
        assertThat(parsed.reader().cutLineWithin(1, 100)).isEqualTo(-1);
    }

    @Test
    void carriageReturnsEndLinesAsTheyDoForTheParser() throws IOException {
        StringBuilder csv = new StringBuilder("email,note\r");
        for (int i = 0; i < 50; i++) {
            csv.append("r").append(i).append("@example.com,note ").append(i).append('\r');
        }
        Parsed parsed = parse(csv.toString(), 100);
        assertThat(parsed.records()).hasSize(50);
        assertThat(parsed.reader().cutLineWithin(1, 1000)).isEqualTo(-1);
    }

    @Test
    void aHeaderThatNeverClosesItsQuoteIsCutToo() throws IOException {
        StringBuilder csv = new StringBuilder("email,\"");
        for (int i = 0; i < 2000; i++) {
            csv.append("line ").append(i).append('\n');
        }
        BoundedCsvReader reader = new BoundedCsvReader(new java.io.StringReader(csv.toString()), 200);
        try (CSVParser parser = CsvColumns.IMPORT.parse(reader)) {
            assertThat(String.join(",", parser.getHeaderNames()).length()).isLessThanOrEqualTo(200);
        }
        assertThat(reader.cutLineWithin(1, Long.MAX_VALUE)).isPositive();
    }
}
