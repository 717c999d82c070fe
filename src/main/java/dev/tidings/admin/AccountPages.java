package dev.tidings.admin;

import dev.tidings.account.AccountService;
import dev.tidings.account.AuthRequests;
import dev.tidings.account.LoginService;
import dev.tidings.common.EmailAddress;
import dev.tidings.web.ClientAddress;
import dev.tidings.web.SessionCookie;
import io.quarkus.qute.TemplateInstance;
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
import java.util.function.Function;
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
                                            .cookie(sessionCookie(token))
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
                                                : AdminSupport.notice(problem),
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
        return formPage(request, Map.of(), AdminViews::signup);
    }

    @POST
    @Path("/signup")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signup(
            HttpServerRequest request, @RestForm String email, @RestForm String password, @RestForm String name) {
        Map<String, String> form = form("email", email);
        form.put("name", name);
        return accountForm(
                request,
                new AuthRequests.Signup(email, password, name),
                email,
                form,
                address -> accounts.signup(address, password, name, ClientAddress.of(request))
                        .map(x -> Response.fromResponse(
                                        AdminSupport.redirect(request, "/app/verify?email=" + encode(address.value())))
                                .cookie(signupCookie(address.value()))
                                .build()),
                AdminViews::signup);
    }

    @GET
    @Path("/verify")
    public Uni<Response> verifyPage(HttpServerRequest request, @QueryParam("email") String email) {
        return formPage(request, form("email", email), AdminViews::verify);
    }

    /** The code confirms the address; in the browser that signed up, it also signs the writer in. */
    @POST
    @Path("/verify")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> verify(HttpServerRequest request, @RestForm String email, @RestForm String code) {
        Map<String, String> form = form("email", email);
        form.put("code", code);
        return accountForm(
                request,
                new AuthRequests.Verify(email, code),
                email,
                form,
                address -> accounts.verify(address, code.strip(), ClientAddress.of(request))
                        .flatMap(x -> signedUpHere(request, address.value())
                                ? logins.sessionAfterVerification(address)
                                : Uni.createFrom().<String>nullItem())
                        .map(session -> session == null
                                ? AdminSupport.redirect(
                                        request, "/app/login?done=verified&email=" + encode(address.value()))
                                : Response.fromResponse(AdminSupport.redirect(request, "/app?welcome=1"))
                                        .cookie(sessionCookie(session))
                                        .cookie(expired(SIGNUP_COOKIE))
                                        .build()),
                AdminViews::verify);
    }

    @GET
    @Path("/reset")
    public Uni<Response> resetPage(HttpServerRequest request) {
        return formPage(request, Map.of(), AdminViews::reset);
    }

    @POST
    @Path("/reset")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> reset(HttpServerRequest request, @RestForm String email) {
        return accountForm(
                request,
                new AuthRequests.PasswordReset(email),
                email,
                form("email", email),
                address -> accounts.requestPasswordReset(address, ClientAddress.of(request))
                        .map(x ->
                                AdminSupport.redirect(request, "/app/reset/confirm?email=" + encode(address.value()))),
                AdminViews::reset);
    }

    @GET
    @Path("/reset/confirm")
    public Uni<Response> resetConfirmPage(HttpServerRequest request, @QueryParam("email") String email) {
        return formPage(request, form("email", email), AdminViews::resetConfirm);
    }

    @POST
    @Path("/reset/confirm")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> resetConfirm(
            HttpServerRequest request, @RestForm String email, @RestForm String code, @RestForm String newPassword) {
        Map<String, String> form = form("email", email);
        form.put("code", code);
        return accountForm(
                request,
                new AuthRequests.PasswordResetConfirm(email, code, newPassword),
                email,
                form,
                address -> accounts.confirmPasswordReset(address, code.strip(), newPassword, ClientAddress.of(request))
                        .map(x -> AdminSupport.redirect(
                                request, "/app/login?done=reset&email=" + encode(address.value()))),
                AdminViews::resetConfirm);
    }

    /** The sign-up, code and reset pages: the same parameters, the layout's email and token first. */
    interface FormPage {
        TemplateInstance render(
                String email, String csrf, Map<String, String> form, Map<String, String> errors, String notice);
    }

    private Uni<Response> formPage(HttpServerRequest request, Map<String, String> form, FormPage page) {
        return support.publicPage(request, w -> Uni.createFrom()
                .item(AdminSupport.html(200, page.render(null, support.formToken(request), form, Map.of(), null))));
    }

    /**
     * An account form post: checked with the JSON API's rules, then {@code action} with the parsed
     * address; a failure answers the same page again with its messages.
     */
    private Uni<Response> accountForm(
            HttpServerRequest request,
            Object body,
            String email,
            Map<String, String> form,
            Function<EmailAddress, Uni<Response>> action,
            FormPage again) {
        return support.publicPage(
                request,
                w -> AdminSupport.form(
                        () -> {
                            support.validate(body);
                            return action.apply(EmailAddress.parse(email, "email"));
                        },
                        problem -> AdminSupport.html(
                                problem.status(),
                                again.render(
                                        null,
                                        support.formToken(request),
                                        form,
                                        AdminSupport.fieldErrors(problem),
                                        AdminSupport.notice(problem)))));
    }

    private NewCookie sessionCookie(String session) {
        return SessionCookie.of(
                support.config().auth(), session, (int) logins.sessionTtl().toSeconds());
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
                || !(next.equals("/app") || next.startsWith("/app/") || next.startsWith("/app?"))
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
