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
 *
 * <p>It follows quoting exactly as commons-csv's lexer does with RFC 4180 (no escape character):
 * a quote opens a field only as the field's first character, {@code ""} inside a quoted field is
 * a quote, and CR, LF and CRLF each end a line. Were it to disagree with the parser about whether
 * a quote is open (say {@code x",") it would count a record as short that the parser reads to the
 * end of the file.
 */
final class BoundedCsvReader extends FilterReader {

    /** Where the lexer is: at a field's start, in a plain field, in quotes, or just after a quote in quotes. */
    private enum State {
        FIELD_START,
        PLAIN,
        QUOTED,
        QUOTE_IN_QUOTED
    }

    private final int maxChars;
    private final NavigableSet<Long> cutLines = new ConcurrentSkipListSet<>();
    private long line = 1;
    private int recordChars;
    private State state = State.FIELD_START;
    private boolean skipping;
    private boolean afterCr;
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
            boolean lineEnd = c == '\n' || c == '\r';
            // CRLF is one line end, as the parser counts lines.
            if (lineEnd && !(c == '\n' && afterCr)) {
                line++;
            }
            afterCr = c == '\r';
            if (skipping) {
                if (lineEnd) {
                    skipping = false;
                    pending = String.valueOf((char) c);
                }
                continue;
            }
            if (lineEnd && state != State.QUOTED) {
                // The record ends here (a CRLF's LF is an empty line to the parser, which it skips).
                state = State.FIELD_START;
                recordChars = 0;
                buffer[offset + written++] = (char) c;
                continue;
            }
            if (++recordChars > maxChars) {
                // Cut here: close an open quote, end the record, drop the rest of this physical line.
                cutLines.add(lineEnd ? line - 1 : line);
                String close = state == State.QUOTED ? "\"" : "";
                if (lineEnd) {
                    pending = close + (char) c;
                } else {
                    skipping = true;
                    pending = close;
                }
                state = State.FIELD_START;
                recordChars = 0;
                continue;
            }
            state = next(state, c);
            buffer[offset + written++] = (char) c;
        }
        return written == 0 && length > 0 ? -1 : written;
    }

    /** The lexer's state after {@code c} (not a line end outside quotes: that ends the record). */
    private static State next(State state, int c) {
        return switch (state) {
            case FIELD_START -> c == '"' ? State.QUOTED : c == ',' ? State.FIELD_START : State.PLAIN;
            case PLAIN -> c == ',' ? State.FIELD_START : State.PLAIN;
            case QUOTED -> c == '"' ? State.QUOTE_IN_QUOTED : State.QUOTED;
                // "" is a quote inside quotes; anything else follows the closing quote like plain text.
            case QUOTE_IN_QUOTED -> c == '"' ? State.QUOTED : c == ',' ? State.FIELD_START : State.PLAIN;
        };
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
