package dev.tidings.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import io.quarkus.hibernate.validator.runtime.jaxrs.ResteasyReactiveViolationException;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into RFC 9457 problem details. Only texts written here or in a {@link
 * ProblemException} reach the client: never an exception message, class name, SQL or stack trace.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    public static String typeUri(String slug) {
        return Problem.type(slug);
    }

    public static Response response(Problem problem) {
        return Response.status(problem.status())
                .type(Problem.MEDIA_TYPE)
                .entity(problem)
                .build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder builder =
                Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(e.toProblem());
        if (e.retryAfter() != null) {
            builder.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        }
        if (e.status() == 413) {
            // The rest of an oversized upload is not read: the connection ends with this answer.
            builder.header("Connection", "close");
        }
        return builder.build();
    }

    /** A field the body type does not have: named, so a typo never passes silently. */
    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return response(unknownFieldProblem(e).toProblem());
    }

    /** The 400 for an unknown JSON field, naming it with its path (e.g. {@code audience.segmnt}). */
    public static ProblemException unknownFieldProblem(UnrecognizedPropertyException e) {
        String field = path(e);
        return ProblemException.invalid(field, "unknown field; check its spelling");
    }

    @ServerExceptionMapper
    public Response violations(ResteasyReactiveViolationException e) {
        return validation(e);
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldName(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
        return response(new Problem(typeUri("validation"), "Invalid request", 400, detail, errors));
    }

    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e) {
        return badJson(e);
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return unknownField(unknown);
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = path(mapping);
            String message = "has the wrong type or format";
            return response(new Problem(
                    typeUri("validation"),
                    "Invalid request",
                    400,
                    field + ": " + message,
                    List.of(new Problem.FieldError(field, message))));
        }
        return response(new Problem(
                typeUri("malformed-json"), "Malformed JSON", 400, "The request body is not valid JSON", null));
    }

    /**
     * Jackson reports some malformed input as a definition problem (e.g. a property given twice to
     * a record): still the client's JSON, so a 400, not Quarkus's empty 500.
     */
    @ServerExceptionMapper
    public Response invalidDefinition(com.fasterxml.jackson.databind.exc.InvalidDefinitionException e) {
        LOG.debugf("refused JSON: %s", e.getOriginalMessage());
        return response(new Problem(
                typeUri("malformed-json"),
                "Malformed JSON",
                400,
                "The request body is not valid JSON for this request",
                null));
    }

    /**
     * Text PostgreSQL cannot store (a NUL character, an invalid byte sequence) can only have come
     * from the request: a 400, and the statement changed nothing.
     */
    @ServerExceptionMapper
    public Response database(io.vertx.pgclient.PgException e) {
        if ("22021".equals(e.getSqlState()) || "22P05".equals(e.getSqlState())) {
            return response(new Problem(
                    typeUri("invalid-text"),
                    "Invalid text",
                    400,
                    "The request contains characters that cannot be stored (such as NUL); remove them and try again",
                    null));
        }
        return unexpected(e);
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized() {
        return response(new Problem(
                typeUri("unauthorized"),
                "Unauthorized",
                401,
                "Sign in, or send a valid API token as 'Authorization: Bearer <token>'",
                null));
    }

    @ServerExceptionMapper
    public Response authCompletion(AuthenticationCompletionException e) {
        return unauthorized();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return response(new Problem(typeUri("forbidden"), "Forbidden", 403, "You may not do this", null));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : "Request failed";
        String detail =
                switch (status) {
                    case 404 -> "There is no such resource";
                    case 405 -> "This method is not allowed on this resource";
                    case 406 -> "The requested media type cannot be produced";
                    case 413 -> "The request body is too large";
                    case 415 -> "Unsupported content type; send application/json";
                    default -> "The request cannot be processed";
                };
        return response(new Problem(typeUri(slugOf(title)), title, status, detail, null));
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e) {
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure, incident %s", incident);
        return response(new Problem(
                typeUri("internal"),
                "Internal error",
                500,
                "Something went wrong on our side; quote incident " + incident + " when reporting it",
                null));
    }

    private static String path(JsonMappingException mapping) {
        return mapping.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String slugOf(String title) {
        return title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }

    /** The last node of the property path, e.g. {@code signup.body.email} gives {@code email}. */
    private static String fieldName(ConstraintViolation<?> violation) {
        String name = null;
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == jakarta.validation.ElementKind.PROPERTY
                    || node.getKind() == jakarta.validation.ElementKind.PARAMETER) {
                name = node.getName();
            }
        }
        return name == null ? "body" : name;
    }
}
