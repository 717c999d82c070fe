package dev.tidings.admin;

import dev.tidings.common.LinkSigner;
import dev.tidings.common.Problem;
import dev.tidings.common.ProblemException;
import dev.tidings.common.Secrets;
import dev.tidings.config.TidingsConfig;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What every admin page needs and no page should write itself: the signed-in writer (from the
 * same session cookie as the JSON API), the form token, validation with the API's own rules, the
 * HTML answer with its security headers, and failures turned into pages (sign in, 404, a message).
 *
 * <p>Form tokens are synchronizer tokens without server state: an HMAC, under the link-signing key
 * ({@link LinkSigner}: {@code tidings.secret-key}, or one made and kept in {@code service_secret}),
 * of a random per-browser cookie ({@value #FORM_COOKIE}) and of the session cookie when there is
 * one. A page from another site can neither read the token nor set the cookie, and a token stops
 * working when the session it was made for ends.
 */
@ApplicationScoped
public class AdminSupport {

    private static final Logger LOG = Logger.getLogger(AdminSupport.class);

    static final String FORM_COOKIE = "tidings_form";
    static final String TOKEN_HEADER = "X-CSRF-Token";
    static final String TOKEN_FIELD = "_csrf";

    /** Admin pages run no script but ours, are never framed, and post only to us. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final CurrentIdentityAssociation identities;
    private final io.quarkus.vertx.http.runtime.CurrentVertxRequest current;
    private final LinkSigner signer;
    private final Validator validator;
    private final TidingsConfig config;

    public AdminSupport(
            CurrentIdentityAssociation identities,
            io.quarkus.vertx.http.runtime.CurrentVertxRequest current,
            LinkSigner signer,
            Validator validator,
            TidingsConfig config) {
        this.identities = identities;
        this.current = current;
        this.signer = signer;
        this.validator = validator;
        this.config = config;
    }

    TidingsConfig config() {
        return config;
    }

    /** The signed-in writer, or a failure that sends the browser to the sign-in page. */
    Uni<Writer> writer(HttpServerRequest request) {
        return identities
                .getDeferredIdentity()
                // A session that ended (signed out elsewhere, a password reset, expired) is no sign-in.
                .onFailure(io.quarkus.security.AuthenticationFailedException.class)
                .recoverWithNull()
                .map(identity -> {
                    if (identity == null || identity.isAnonymous()) {
                        throw new SignInRequired();
                    }
                    return new Writer(
                            UUID.fromString(identity.getPrincipal().getName()), email(identity), formToken(request));
                });
    }

    /** The signed-in writer, or null for a visitor (the sign-in pages). */
    Uni<Writer> writerOrNull(HttpServerRequest request) {
        return writer(request).onFailure(SignInRequired.class).recoverWithNull();
    }

    private static String email(SecurityIdentity identity) {
        Object email = identity.getAttribute("email");
        return email == null ? "" : email.toString();
    }

    /** The token this browser's forms must carry. */
    String formToken(HttpServerRequest request) {
        Cookie form = request.getCookie(FORM_COOKIE);
        // On a browser's first visit the cookie is being set by this very answer (AdminFilters).
        String formValue = form != null ? form.getValue() : current.getCurrent().get(AdminFilters.NEW_FORM_VALUE);
        if (formValue == null) {
            formValue = "";
        }
        Cookie session = request.getCookie(config.auth().cookieName());
        return signer.sign("admin-form", formValue + "|" + (session == null ? "" : session.getValue()));
    }

    boolean validToken(HttpServerRequest request, String token) {
        Cookie form = request.getCookie(FORM_COOKIE);
        return token != null && form != null && Secrets.constantTimeEquals(token, formToken(request));
    }

    /** Signs a short value that only this service can have made (e.g. the address being verified). */
    String sign(String purpose, String value) {
        return signer.sign("admin-" + purpose, value);
    }

    boolean signed(String purpose, String value, String signature) {
        return signer.verify("admin-" + purpose, value, signature);
    }

    /** Checks a request body with the JSON API's Bean Validation rules; a 400 naming each field. */
    <T> T validate(T body) {
        var violations = validator.validate(body);
        if (!violations.isEmpty()) {
            List<Problem.FieldError> errors = violations.stream()
                    .map(v -> new Problem.FieldError(field(v), v.getMessage()))
                    .sorted(Comparator.comparing(Problem.FieldError::field))
                    .toList();
            throw ProblemException.invalid(errors);
        }
        return body;
    }

    private static String field(ConstraintViolation<?> violation) {
        String path = violation.getPropertyPath().toString();
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    /** Field name → message of a validation failure (the first message per field). */
    static Map<String, String> fieldErrors(ProblemException e) {
        Map<String, String> errors = new LinkedHashMap<>();
        List<Problem.FieldError> list = e.toProblem().errors();
        if (list != null) {
            // "tags[3]" shows beside the "tags" field.
            list.forEach(f -> errors.putIfAbsent(f.field().replaceAll("\\[.*$", ""), f.message()));
        }
        return errors;
    }

    /** The message above a form that failed: none when every error sits beside its field. */
    static String notice(ProblemException problem) {
        return fieldErrors(problem).isEmpty() ? problem.getMessage() : null;
    }

    /** An HTML page answer with the admin's security headers. */
    static Response html(int status, TemplateInstance page) {
        return html(status, page.render());
    }

    static Response html(int status, String body) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "same-origin")
                .header("Cache-Control", "no-store")
                .entity(body)
                .build();
    }

    /** After a successful form post: to the next page (htmx follows it as a full navigation). */
    static Response redirect(HttpServerRequest request, String location) {
        if (isHtmx(request)) {
            return Response.ok().header("HX-Redirect", location).build();
        }
        return Response.seeOther(URI.create(location)).build();
    }

    static boolean isHtmx(HttpServerRequest request) {
        return "true".equals(request.getHeader("HX-Request"));
    }

    /**
     * Runs a page for the signed-in writer and answers failures as pages: no session → the sign-in
     * page (and back here after), a {@link ProblemException} → its message with its status (another
     * account's ids are a 404 like missing ones), anything else → a 500 page with an incident id.
     */
    Uni<Response> page(HttpServerRequest request, Function<Writer, Uni<Response>> page) {
        return writer(request).flatMap(w -> page.apply(w)).onFailure().recoverWithUni(failure -> writerOrNull(request)
                .map(w -> failurePage(request, w, failure)));
    }

    /** Same for a page that runs before sign-in or without one. */
    Uni<Response> publicPage(HttpServerRequest request, Function<Writer, Uni<Response>> page) {
        return writerOrNull(request).flatMap(w -> page.apply(w)).onFailure().recoverWithUni(failure -> writerOrNull(
                        request)
                .map(w -> failurePage(request, w, failure)));
    }

    /**
     * A form post: runs {@code action} (validation may throw at once) and answers a {@link
     * ProblemException} with the form again, its messages beside its fields.
     */
    static Uni<Response> form(
            java.util.function.Supplier<Uni<Response>> action, Function<ProblemException, Response> again) {
        return formAsync(action, problem -> Uni.createFrom().item(again.apply(problem)));
    }

    /** {@link #form} where answering the form again needs a query (e.g. the list it sits on). */
    static Uni<Response> formAsync(
            java.util.function.Supplier<Uni<Response>> action, Function<ProblemException, Uni<Response>> again) {
        return Uni.createFrom()
                .<Response>deferred(() -> action.get())
                .onFailure(ProblemException.class)
                .recoverWithUni(e -> {
                    ProblemException problem = (ProblemException) e;
                    return again.apply(problem)
                            .map(response -> problem.retryAfter() == null
                                    ? response
                                    : Response.fromResponse(response)
                                            .header(
                                                    "Retry-After",
                                                    Math.max(
                                                            1,
                                                            problem.retryAfter().toSeconds()))
                                            .build());
                });
    }

    Response failurePage(HttpServerRequest request, Writer writer, Throwable failure) {
        if (failure instanceof SignInRequired) {
            String next = "GET".equals(request.method().name()) && !isHtmx(request) ? request.path() : "/app";
            Response toLogin =
                    redirect(request, "/app/login?next=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
            if (request.getCookie(config.auth().cookieName()) == null) {
                return toLogin;
            }
            // The browser holds a session that no longer works: forget it.
            return Response.fromResponse(toLogin)
                    .cookie(dev.tidings.web.SessionCookie.of(config.auth(), "", 0))
                    .build();
        }
        String email = writer == null ? null : writer.email();
        String csrf = writer == null ? null : writer.csrf();
        if (failure instanceof ProblemException problem) {
            int status = problem.status();
            String heading = status == 404 ? "Not found" : problem.toProblem().title();
            String detail = status == 404
                    ? "There is nothing here, or it belongs to another account. Check the link."
                    : problem.getMessage();
            Response.ResponseBuilder response = isHtmx(request)
                    ? Response.fromResponse(html(status, AdminViews.alert(detail)))
                    : Response.fromResponse(html(status, AdminViews.error(email, csrf, heading, detail)));
            if (problem.retryAfter() != null) {
                response.header("Retry-After", Math.max(1, problem.retryAfter().toSeconds()));
            }
            return response.build();
        }
        String incident = UUID.randomUUID().toString();
        LOG.errorf(failure, "Unexpected failure on an admin page, incident %s", incident);
        String detail = "Something went wrong on our side; quote incident " + incident + " when reporting it.";
        return isHtmx(request)
                ? html(500, AdminViews.alert(detail))
                : html(500, AdminViews.error(email, csrf, "Something went wrong", detail));
    }
}
