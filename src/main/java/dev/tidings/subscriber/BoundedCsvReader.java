package dev.tidings.subscriber;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Keeps every CSV record short, so that a parser never holds more than {@code maxChars} of one:
 * a record (from one line end outside quotes to the next) that grows longer is cut there, closed
 * (a quote is added if one was open) and the rest of its physical line dropped. The physical
 * lines where that happened are remembered (1-based), so the import can report them as errors
 * instead of running out of memory on a 100 MB line.
 */
final class BoundedCsvReader extends FilterReader {

    private final int maxChars;
    private final NavigableSet<Long> cutLines = new ConcurrentSkipListSet<>();
    private long line = 1;
    private int recordChars;
    private boolean inQuotes;
    private boolean skipping;
    /** Characters to hand out before reading on: the closing quote and line end of a cut record. */
    private String pending = "";

    BoundedCsvReader(Reader in, int maxChars) {
        super(in);
        this.maxChars = maxChars;
    }

    /** The first line cut within lines {@code from}..{@code to} (inclusive), or -1. */
    long cutLineWithin(long from, long to) {
        Long first = cutLines.ceiling(from);
        return first != null && first <= to ? first : -1;
    }

    @Override
    public int read() throws IOException {
        char[] one = new char[1];
        return read(one, 0, 1) == -1 ? -1 : one[0];
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int written = 0;
        while (written < length) {
            if (!pending.isEmpty()) {
                buffer[offset + written++] = pending.charAt(0);
                pending = pending.substring(1);
                continue;
            }
            int c = in.read();
            if (c == -1) {
                break;
            }
            if (skipping) {
                if (c == '\n') {
                    skipping = false;
                    line++;
                    pending = "\n";
                }
                continue;
            }
            if (c == '"') {
                inQuotes = !inQuotes;
            }
            boolean lineEnd = c == '\n';
            if (lineEnd && !inQuotes) {
                line++;
                recordChars = 0;
                buffer[offset + written++] = (char) c;
                continue;
            }
            if (++recordChars > maxChars) {
                // Cut here: close an open quote, end the record, drop the rest of this physical line.
                cutLines.add(line);
                if (lineEnd) {
                    line++;
                    pending = "\"\n";
                } else {
                    skipping = true;
                    pending = inQuotes ? "\"" : "";
                }
                inQuotes = false;
                recordChars = 0;
                continue;
            }
            if (lineEnd) {
                line++; // a line break inside a quoted field
            }
            buffer[offset + written++] = (char) c;
        }
        return written == 0 && length > 0 ? -1 : written;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
