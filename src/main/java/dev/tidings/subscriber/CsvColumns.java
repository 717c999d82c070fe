package dev.tidings.subscriber;

import java.util.Locale;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;

/**
 * The CSV shape shared by import and export: {@code email,name,tags,<attribute columns>} (tags
 * {@code ;}-separated). Export adds {@code status} and timestamps. On import the timestamps are ignored and a suppressing status
 * (unsubscribed, bounced, complained) is kept for new subscribers, so that an export imported
 * elsewhere never turns an unsubscribed person active. Cells that a spreadsheet would run as a formula are defused on export
 * with a leading apostrophe, which import removes again.
 */
final class CsvColumns {

    static final String EMAIL = "email";
    static final String NAME = "name";
    static final String STATUS = "status";
    /** Tags, separated by {@code ;} (see {@link Tags}). */
    static final String TAGS = "tags";

    static final Set<String> EXPORT_ONLY = Set.of("created_at", "confirmed_at", "unsubscribed_at");

    static final CSVFormat EXPORT = CSVFormat.RFC4180;
    static final CSVFormat IMPORT = CSVFormat.RFC4180
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .setTrim(true)
            .setIgnoreHeaderCase(true)
            .setAllowMissingColumnNames(true)
            .get();

    private CsvColumns() {}

    static String normalise(String header) {
        return header == null ? "" : header.strip().toLowerCase(Locale.ROOT);
    }

    /** OWASP's defence against CSV injection: a cell that starts like a formula gets a leading '. */
    static String defuse(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        char first = value.charAt(0);
        return isFormulaStart(first) ? "'" + value : value;
    }

    static String undefuse(String value) {
        if (value != null && value.length() > 1 && value.charAt(0) == '\'' && isFormulaStart(value.charAt(1))) {
            return value.substring(1);
        }
        return value;
    }

    private static boolean isFormulaStart(char c) {
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
    }
}
