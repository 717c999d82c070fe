package dev.tidings.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.common.Problem;
import dev.tidings.common.Units;
import dev.tidings.config.TidingsConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Request bodies are bounded while they are read, before any resource sees them. Every JSON and
 * form body goes through Vert.x's {@link BodyHandler} with {@code tidings.http.max-body-size}
 * (1 MiB): it refuses a declared length over the limit at once and a chunked body as soon as it
 * passes it, holding at most the limit in memory. The one route that takes more, the CSV import,
 * is streamed by its resource to a temporary file under {@code tidings.import.max-size}; here
 * only its declared length is checked.
 *
 * <p>Failures that happen outside the REST layer (a refused body, an undecodable form) reach the
 * failure handler installed here, which answers RFC 9457 problem details, never Quarkus's own
 * error body; over-long bodies also close the connection, so the rest is not read.
 */
@ApplicationScoped
public class RequestLimits {

    private static final Logger LOG = Logger.getLogger(RequestLimits.class);

    /** The CSV import: streamed, with a limit of its own. */
    static final Pattern IMPORT = Pattern.compile("^/api/newsletters/[^/]+/subscribers/import/?$");

    /** RFC 9110 media type syntax: token "/" token, then parameters (checked loosely). */
    private static final Pattern MEDIA_TYPE =
            Pattern.compile("^\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+\\s*(;.*)?$");

    /** Where Quarkus keeps the limit its blocking input stream enforces on a chunked body. */
    private static final String STREAM_LIMIT_KEY = "io.quarkus.max-request-size";

    private static final long STREAM_SLACK = 4L * 1024 * 1024;

    /** Before Quarkus's own upload limit (-2) and before the REST layer reads anything. */
    private static final int ORDER = -5;

    private final long maxBody;
    private final long maxImport;
    private final ObjectMapper json;

    public RequestLimits(
            TidingsConfig config,
            ObjectMapper json,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarkus.rest.input-buffer-size")
                    io.quarkus.runtime.configuration.MemorySize restInputBuffer) {
        this.maxBody = config.http().maxBodySize().asLongValue();
        this.maxImport = config.importing().maxSize().asLongValue();
        this.json = json;
        if (maxBody > restInputBuffer.asLongValue()) {
            // A body read here must reach the REST layer in one piece (its input buffer, fixed at build time).
            throw new io.quarkus.runtime.configuration.ConfigurationException("tidings.http.max-body-size ("
                    + maxBody + " bytes) is larger than quarkus.rest.input-buffer-size ("
                    + restInputBuffer.asLongValue()
                    + "), which is fixed when the app is built; lower it, or rebuild with a larger input buffer");
        }
    }

    void install(@Observes Router router) {
        BodyHandler bodies = BodyHandler.create(false)
                .setBodyLimit(maxBody)
                .setDeleteUploadedFilesOnEnd(true)
                .setPreallocateBodyBuffer(false);
        router.route().order(ORDER).handler(context -> {
            HttpMethod method = context.request().method();
            String type = context.request().getHeader(HttpHeaderNames.CONTENT_TYPE);
            if (type != null && !MEDIA_TYPE.matcher(type).matches()) {
                context.fail(415); // a Content-Type that is not type/subtype[; parameters]
                return;
            }
            if (method == HttpMethod.GET
                    || method == HttpMethod.HEAD
                    || method == HttpMethod.OPTIONS
                    || !hasBody(context)) {
                context.next();
            } else if (isImport(context.request().path())) {
                checkDeclaredLength(context, maxImport);
            } else {
                try {
                    bodies.handle(context);
                } catch (IllegalArgumentException e) {
                    context.fail(415, e); // a Content-Type that does not parse
                }
            }
        });
        // A form body (url-encoded or multipart) the body handler read but found no field in: the REST
        // layer would see no parsed form and wait to parse the body itself, which has already been read,
        // so the request would hang until the client gave up. Such a body is malformed anyway.
        router.route().order(ORDER + 1).handler(context -> {
            if (context.request().isExpectMultipart()
                    && !isImport(context.request().path())
                    && context.fileUploads().isEmpty()
                    && context.request().formAttributes().isEmpty()) {
                answer(
                        context,
                        new Problem(
                                ProblemMapper.typeUri("bad-request"),
                                "Bad Request",
                                400,
                                "The form body has no field that can be read; send application/json",
                                null));
            } else {
                context.next();
            }
        });
        // Quarkus's own limit (order -2) guards a chunked import at the HTTP layer with an empty 413;
        // give it some slack, so that the import's own count (ImportService) refuses it first, with a problem.
        router.route().order(-1).handler(context -> {
            if (context.get(STREAM_LIMIT_KEY) != null
                    && isImport(context.request().path())) {
                context.put(STREAM_LIMIT_KEY, maxImport + STREAM_SLACK);
            }
            context.next();
        });
        router.route().order(Integer.MIN_VALUE).failureHandler(this::fail);
        // Failures no route took (a path that does not decode, say) and statuses the router answers
        // itself: problem details too, instead of an empty or Vert.x-made body.
        for (int status : new int[] {400, 401, 403, 404, 405, 406, 413, 415, 500, 501, 503}) {
            router.errorHandler(status, this::fail);
        }
    }

    private static boolean isImport(String path) {
        return path != null && IMPORT.matcher(path).matches();
    }

    /** A body follows the head: a non-zero Content-Length, or a Transfer-Encoding (chunked). */
    private static boolean hasBody(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaderNames.CONTENT_LENGTH);
        return (length != null && !length.strip().equals("0"))
                || context.request().getHeader(HttpHeaderNames.TRANSFER_ENCODING) != null;
    }

    private void checkDeclaredLength(RoutingContext context, long limit) {
        String length = context.request().getHeader(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > limit) {
                    context.fail(413);
                    return;
                }
            } catch (NumberFormatException e) {
                context.fail(400);
                return;
            }
        }
        context.next();
    }

    /** Answers a failure that escaped the REST layer as problem details. */
    private void fail(RoutingContext context) {
        int status = context.statusCode();
        Throwable failure = context.failure();
        if (status < 400 || tooLong(failure)) {
            status = statusOf(failure);
        }
        if (context.response().headWritten()) {
            context.request().connection().close();
            return;
        }
        Problem problem;
        if (status >= 500) {
            String incident = UUID.randomUUID().toString();
            LOG.errorf(failure, "Unexpected failure outside the REST layer, incident %s", incident);
            problem = new Problem(
                    ProblemMapper.typeUri("internal"),
                    "Internal error",
                    500,
                    "Something went wrong on our side; quote incident " + incident + " when reporting it",
                    null);
        } else {
            problem = problemFor(status, context.request().path());
        }
        answer(context, problem);
    }

    private void answer(RoutingContext context, Problem problem) {
        var response = context.response().setStatusCode(problem.status());
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        boolean close = problem.status() == 413;
        if (close) {
            // Whatever the client still sends is not read: the connection ends with this answer.
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
            response.endHandler(v -> context.request().connection().close());
        }
        try {
            response.end(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            response.end();
        }
    }

    private Problem problemFor(int status, String path) {
        return switch (status) {
            case 413 -> new Problem(
                    ProblemMapper.typeUri("body-too-large"),
                    "Request body too large",
                    413,
                    isImport(path)
                            ? "A CSV import may be at most " + Units.bytes(maxImport)
                            : "Send at most " + Units.bytes(maxBody) + " here (a form field at most 2 KiB)",
                    null);
            case 404 -> new Problem(
                    ProblemMapper.typeUri("not-found"), "Not Found", 404, "There is no such resource", null);
            case 405 -> new Problem(
                    ProblemMapper.typeUri("method-not-allowed"),
                    "Method Not Allowed",
                    405,
                    "This method is not allowed on this resource",
                    null);
            case 415 -> new Problem(
                    ProblemMapper.typeUri("unsupported-media-type"),
                    "Unsupported Media Type",
                    415,
                    "Unsupported content type; send application/json",
                    null);
            default -> new Problem(
                    ProblemMapper.typeUri("bad-request"),
                    "Bad Request",
                    status,
                    "The request cannot be read: check its body, headers and encoding",
                    null);
        };
    }

    private static boolean tooLong(Throwable failure) {
        return failure != null && statusOf(failure) == 413;
    }

    /** What Vert.x's failures mean for the client. */
    private static int statusOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName().toLowerCase(Locale.ROOT);
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (name.contains("toolong")
                    || name.contains("toolarge")
                    || message.contains("too large")
                    || message.contains("too long")
                    || message.contains("size exceed")) {
                return 413;
            }
            if (name.contains("decoder")
                    || name.contains("illegalargument")
                    || name.contains("errordata")
                    || message.contains("decode")) {
                return 400;
            }
        }
        return 500;
    }
}
