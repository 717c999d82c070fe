package dev.tidings.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * JSON and form bodies are read whole, so they are capped at {@value #MAX_BYTES} bytes (413). The
 * HTTP layer's own, larger limit ({@code quarkus.http.limits.max-body-size}) is for CSV imports,
 * which are streamed to disk.
 */
public class BodySizeFilter {

    static final long MAX_BYTES = 1024 * 1024;

    @ServerRequestFilter(preMatching = true)
    public Response refuseOversized(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        String type = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (length == null || isCsv(type)) {
            return null;
        }
        try {
            if (Long.parseLong(length.strip()) <= MAX_BYTES) {
                return null;
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return ProblemMapper.response(new Problem(
                ProblemMapper.typeUri("body-too-large"),
                "Request body too large",
                413,
                "Send at most " + MAX_BYTES / 1024 + " KiB here",
                null));
    }

    private static boolean isCsv(String type) {
        return type != null
                && (type.toLowerCase().startsWith("text/csv")
                        || type.toLowerCase().startsWith("application/csv"));
    }
}
