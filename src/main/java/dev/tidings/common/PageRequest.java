package dev.tidings.common;

/** The {@code ?limit=&cursor=} of a list request, checked: limit 1..500, default 50. */
public record PageRequest(int limit, Cursor after) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public static PageRequest of(String limit, String cursor) {
        int parsedLimit = DEFAULT_LIMIT;
        if (limit != null && !limit.isBlank()) {
            try {
                parsedLimit = Integer.parseInt(limit.strip());
            } catch (NumberFormatException e) {
                throw ProblemException.invalid("limit", "must be a whole number from 1 to " + MAX_LIMIT);
            }
            if (parsedLimit < 1 || parsedLimit > MAX_LIMIT) {
                throw ProblemException.invalid("limit", "must be a whole number from 1 to " + MAX_LIMIT);
            }
        }
        Cursor after = cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor.strip());
        return new PageRequest(parsedLimit, after);
    }

    /** The same request asking for one row more, which only tells whether a next page exists. */
    public PageRequest withOneMore() {
        return new PageRequest(limit + 1, after);
    }
}
