package dev.tidings.issue;

/**
 * A writer's template that cannot be rendered within its budget (loop steps, output size), or
 * that loops over something that is not a list or map. Its message is meant for the writer: it
 * becomes a 400 at save and preview and the last error of a failed send. Never retried: the same
 * template and data fail the same way.
 */
public final class RenderRefused extends RuntimeException {

    public RenderRefused(String message) {
        super(message, null, false, false);
    }
}
