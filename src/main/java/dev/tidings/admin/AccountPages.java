package dev.tidings.admin;

import dev.tidings.account.AccountService;
import dev.tidings.account.AuthRequests;
import dev.tidings.account.LoginService;
import dev.tidings.common.EmailAddress;
import dev.tidings.common.ProblemException;
import dev.tidings.web.ClientAddress;
import dev.tidings.web.SessionCookie;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Sign in, sign out, sign up with the emailed code, password reset: the same services as {@code
 * /api/auth/*}, the same session cookie. Failures (a wrong password, a wrong code, throttling) are
 * messages on the page, with the status code the JSON API would answer.
 */
@Path("/app")
@Produces(MediaType.TEXT_HTML)
public class AccountPages {

    /** Proves, after the code, that this browser is the one that signed the address up. */
    static final String SIGNUP_COOKIE = "tidings_signup";

    private final AdminSupport support;
    private final AccountService accounts;
    private final LoginService logins;

    public AccountPages(AdminSupport support, AccountService accounts, LoginService logins) {
        this.support = support;
        this.accounts = accounts;
        this.logins = logins;
    }

    @GET
    @Path("/login")
    public Uni<Response> loginPage(
            HttpServerRequest request,
            @QueryParam("next") String next,
            @QueryParam("email") String email,
            @QueryParam("done") String done) {
        return support.publicPage(request, w -> {
            if (w != null) {
                return Uni.createFrom().item(AdminSupport.redirect(request, safeNext(next)));
            }
            String notice =
                    switch (done == null ? "" : done) {
                        case "verified" -> "Your address is confirmed. Sign in to continue.";
                        case "reset" -> "Your password was changed. Sign in with the new one.";
                        case "signed-out" -> "You are signed out.";
                        default -> null;
                    };
            return page(
                    200,
                    AdminViews.login(
                            null,
                            support.formToken(request),
                            form("email", email),
                            Map.of(),
                            safeNext(next),
                            notice,
                            "good"));
        });
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> login(
            HttpServerRequest request, @RestForm String email, @RestForm String password, @RestForm String next) {
        return support.publicPage(
                request,
                w -> AdminSupport.form(
                        () -> {
                            support.validate(new AuthRequests.Login(email, password));
                            return logins.login(EmailAddress.parse(email, "email"), password, ClientAddress.of(request))
                                    .map(token -> Response.fromResponse(AdminSupport.redirect(request, safeNext(next)))
                                            .cookie(SessionCookie.of(
                                                    support.config().auth(), token, (int)
                                                            logins.sessionTtl().toSeconds()))
                                            .build());
                        },
                        problem -> AdminSupport.html(
                                problem.status(),
                                AdminViews.login(
                                        null,
                                        support.formToken(request),
                                        form("email", email),
                                        AdminSupport.fieldErrors(problem),
                                        safeNext(next),
                                        problem.status() == 403
                                                ? "Confirm your address first: enter the code we mailed you on the"
                                                        + " confirmation page."
                                                : notice(problem),
                                        "bad"))));
    }

    @POST
    @Path("/logout")
    public Uni<Response> logout(HttpServerRequest request) {
        Cookie session = request.getCookie(support.config().auth().cookieName());
        return logins.logout(session == null ? null : session.getValue())
                .map(x -> Response.seeOther(java.net.URI.create("/app/login?done=signed-out"))
                        .cookie(SessionCookie.of(support.config().auth(), "", 0))
                        .build());
    }

    @GET
    @Path("/signup")
    public Uni<Response> signupPage(HttpServerRequest request) {
        return support.publicPage(
                request, w -> page(200, AdminViews.signup(null, support.formToken(request), Map.of(), Map.of(), null)));
    }

    @POST
    @Path("/signup")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signup(
            HttpServerRequest request, @RestForm String email, @RestForm String password, @RestForm String name) {
        Map<String, String> form = form("email", email);
        form.put("name", name);
        return support.publicPage(
                request,
                w -> AdminSupport.form(
                        () -> {
                            support.validate(new AuthRequests.Signup(email, password, name));
                            EmailAddress address = EmailAddress.parse(email, "email");
                            return accounts.signup(address, password, name, ClientAddress.of(request))
                                    .map(x -> Response.fromResponse(AdminSupport.redirect(
                                                    request, "/app/verify?email=" + encode(address.value())))
                                            .cookie(signupCookie(address.value()))
                                            .build());
                        },
                        e -> page(
                                e,
                                AdminViews.signup(
                                        null,
                                        support.formToken(request),
                                        form,
                                        AdminSupport.fieldErrors(e),
                                        notice(e)))));
    }

    @GET
    @Path("/verify")
    public Uni<Response> verifyPage(HttpServerRequest request, @QueryParam("email") String email) {
        return support.publicPage(
                request,
                w -> page(
                        200,
                        AdminViews.verify(null, support.formToken(request), form("email", email), Map.of(), null)));
    }

    /** The code confirms the address; in the browser that signed up, it also signs the writer in. */
    @POST
    @Path("/verify")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> verify(HttpServerRequest request, @RestForm String email, @RestForm String code) {
        Map<String, String> form = form("email", email);
        form.put("code", code);
        return support.publicPage(
                request,
                w -> AdminSupport.form(
                        () -> {
                            support.validate(new AuthRequests.Verify(email, code));
                            EmailAddress address = EmailAddress.parse(email, "email");
                            return accounts.verify(address, code.strip(), ClientAddress.of(request))
                                    .flatMap(x -> signedUpHere(request, address.value())
                                            ? logins.sessionAfterVerification(address)
                                            : Uni.createFrom().<String>nullItem())
                                    .map(session -> session == null
                                            ? AdminSupport.redirect(
                                                    request,
                                                    "/app/login?done=verified&email=" + encode(address.value()))
                                            : Response.fromResponse(AdminSupport.redirect(request, "/app?welcome=1"))
                                                    .cookie(SessionCookie.of(
                                                            support.config().auth(), session, (int) logins.sessionTtl()
                                                                    .toSeconds()))
                                                    .cookie(expired(SIGNUP_COOKIE))
                                                    .build());
                        },
                        e -> page(
                                e,
                                AdminViews.verify(
                                        null,
                                        support.formToken(request),
                                        form,
                                        AdminSupport.fieldErrors(e),
                                        notice(e)))));
    }

    @GET
    @Path("/reset")
    public Uni<Response> resetPage(HttpServerRequest request) {
        return support.publicPage(
                request, w -> page(200, AdminViews.reset(null, support.formToken(request), Map.of(), Map.of(), null)));
    }

    @POST
    @Path("/reset")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> reset(HttpServerRequest request, @RestForm String email) {
        return support.publicPage(
                request,
                w -> AdminSupport.form(
                        () -> {
                            support.validate(new AuthRequests.PasswordReset(email));
                            EmailAddress address = EmailAddress.parse(email, "email");
                            return accounts.requestPasswordReset(address, ClientAddress.of(request))
                                    .map(x -> AdminSupport.redirect(
                                            request, "/app/reset/confirm?email=" + encode(address.value())));
                        },
                        e -> page(
                                e,
                                AdminViews.reset(
                                        null,
                                        support.formToken(request),
                                        form("email", email),
                                        AdminSupport.fieldErrors(e),
                                        notice(e)))));
    }

    @GET
    @Path("/reset/confirm")
    public Uni<Response> resetConfirmPage(HttpServerRequest request, @QueryParam("email") String email) {
        return support.publicPage(
                request,
                w -> page(
                        200,
                        AdminViews.resetConfirm(
                                null, support.formToken(request), form("email", email), Map.of(), null)));
    }

    @POST
    @Path("/reset/confirm")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> resetConfirm(
            HttpServerRequest request, @RestForm String email, @RestForm String code, @RestForm String newPassword) {
        Map<String, String> form = form("email", email);
        form.put("code", code);
        return support.publicPage(
                request,
                w -> AdminSupport.form(
                        () -> {
                            support.validate(new AuthRequests.PasswordResetConfirm(email, code, newPassword));
                            EmailAddress address = EmailAddress.parse(email, "email");
                            return accounts.confirmPasswordReset(
                                            address, code.strip(), newPassword, ClientAddress.of(request))
                                    .map(x -> AdminSupport.redirect(
                                            request, "/app/login?done=reset&email=" + encode(address.value())));
                        },
                        e -> page(
                                e,
                                AdminViews.resetConfirm(
                                        null,
                                        support.formToken(request),
                                        form,
                                        AdminSupport.fieldErrors(e),
                                        notice(e)))));
    }

    /** The message to show above the form: none when every error sits beside its field. */
    private static String notice(ProblemException e) {
        return AdminSupport.fieldErrors(e).isEmpty() ? e.getMessage() : null;
    }

    private static Response page(ProblemException problem, io.quarkus.qute.TemplateInstance again) {
        return AdminSupport.html(problem.status(), again);
    }

    private static Uni<Response> page(int status, io.quarkus.qute.TemplateInstance page) {
        return Uni.createFrom().item(AdminSupport.html(status, page));
    }

    private NewCookie signupCookie(String email) {
        String value = encode(email) + "." + support.sign("signup", email);
        return new NewCookie.Builder(SIGNUP_COOKIE)
                .value(value)
                .path("/app")
                .httpOnly(true)
                .secure(support.config().auth().cookieSecure())
                .sameSite(NewCookie.SameSite.STRICT)
                .maxAge(15 * 60)
                .build();
    }

    private boolean signedUpHere(HttpServerRequest request, String email) {
        Cookie cookie = request.getCookie(SIGNUP_COOKIE);
        if (cookie == null) {
            return false;
        }
        String value = cookie.getValue();
        int dot = value.lastIndexOf('.');
        return dot > 0
                && value.substring(0, dot).equals(encode(email))
                && support.signed("signup", email, value.substring(dot + 1));
    }

    private NewCookie expired(String name) {
        return new NewCookie.Builder(name)
                .value("")
                .path("/app")
                .httpOnly(true)
                .secure(support.config().auth().cookieSecure())
                .maxAge(0)
                .expiry(new java.util.Date(0))
                .build();
    }

    /** Only a page of the admin itself, never another site ({@code //host}) or scheme. */
    static String safeNext(String next) {
        if (next == null
                || !next.startsWith("/app")
                || next.startsWith("/app/login")
                || next.contains("//")
                || next.contains("\\")
                || next.length() > 500) {
            return "/app";
        }
        return next;
    }

    private static Map<String, String> form(String key, String value) {
        Map<String, String> form = new HashMap<>();
        form.put(key, value);
        return form;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
