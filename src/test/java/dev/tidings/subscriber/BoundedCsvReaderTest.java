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
}
