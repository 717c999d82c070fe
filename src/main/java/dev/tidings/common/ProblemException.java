package dev.tidings.common;

import java.time.Duration;
import java.util.List;

/**
 * A failure the client can act on, answered as problem details. Services throw it; the web
 * layer's ProblemMapper turns it into the response. Its message never contains internals.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final List<Problem.FieldError> errors;
    private final Duration retryAfter;
    private final java.util.Map<String, Object> extensions = new java.util.LinkedHashMap<>();

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, null, null);
    }

    private ProblemException(
            int status,
            String slug,
            String title,
            String detail,
            List<Problem.FieldError> errors,
            Duration retryAfter) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.errors = errors;
        this.retryAfter = retryAfter;
    }

    public static ProblemException invalid(String field, String message) {
        return new ProblemException(
                400,
                "validation",
                "Invalid request",
                field + ": " + message,
                List.of(new Problem.FieldError(field, message)),
                null);
    }

    public static ProblemException invalid(List<Problem.FieldError> errors) {
        String detail = String.join(
                "; ", errors.stream().map(e -> e.field() + ": " + e.message()).toList());
        return new ProblemException(400, "validation", "Invalid request", detail, List.copyOf(errors), null);
    }

    public static ProblemException badRequest(String slug, String title, String detail) {
        return new ProblemException(400, slug, title, detail);
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "not-found", "Not found", what + " does not exist");
    }

    public static ProblemException conflict(String slug, String detail) {
        return new ProblemException(409, slug, "Conflict", detail);
    }

    public static ProblemException tooManyRequests(Duration retryAfter) {
        return new ProblemException(
                429,
                "rate-limited",
                "Too many requests",
                "Too many attempts; try again in " + Math.max(1, retryAfter.toSeconds()) + " seconds",
                null,
                retryAfter);
    }

    public int status() {
        return status;
    }

    /** Adds a member the client can act on, e.g. {@code importId} of the import already running. */
    public ProblemException with(String member, Object value) {
        extensions.put(member, value);
        return this;
    }

    public static ProblemException serviceUnavailable(String slug, String detail, Duration retryAfter) {
        return new ProblemException(503, slug, "Service unavailable", detail, null, retryAfter);
    }

    public static ProblemException tooManyRequests(String detail, Duration retryAfter) {
        return new ProblemException(429, "rate-limited", "Too many requests", detail, null, retryAfter);
    }

    public Problem toProblem() {
        return new Problem(Problem.type(slug), title, status, getMessage(), errors, java.util.Map.copyOf(extensions));
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
