package dev.tidings.account;

import dev.tidings.common.EmailAddress;
import dev.tidings.config.TidingsConfig;
import dev.tidings.web.ClientAddress;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestResponse;

/** Sign-up, verification, login and password reset: the unauthenticated part of accounts. */
@Path("/api/auth")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Accounts")
public class AuthResource {

    private final AccountService accounts;
    private final LoginService logins;
    private final TidingsConfig.Auth config;

    public AuthResource(AccountService accounts, LoginService logins, TidingsConfig config) {
        this.accounts = accounts;
        this.logins = logins;
        this.config = config.auth();
    }

    @POST
    @Path("/signup")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Sign up; a six-digit code is emailed. Same answer for registered addresses.")
    public Uni<AuthRequests.Status> signup(@NotNull @Valid AuthRequests.Signup body, HttpServerRequest request) {
        return accounts.signup(
                        EmailAddress.parse(body.email(), "email"),
                        body.password(),
                        body.name(),
                        ClientAddress.of(request))
                .replaceWith(new AuthRequests.Status("verification_sent"));
    }

    @POST
    @Path("/verify")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Confirm the email address with the emailed code")
    public Uni<Void> verify(@NotNull @Valid AuthRequests.Verify body, HttpServerRequest request) {
        return accounts.verify(EmailAddress.parse(body.email(), "email"), body.code(), ClientAddress.of(request));
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sign in; sets the session cookie")
    public Uni<RestResponse<Void>> login(@NotNull @Valid AuthRequests.Login body, HttpServerRequest request) {
        return logins.login(EmailAddress.parse(body.email(), "email"), body.password(), ClientAddress.of(request))
                .map(token -> RestResponse.ResponseBuilder.<Void>noContent()
                        .cookie(sessionCookie(token, (int) logins.sessionTtl().toSeconds()))
                        .build());
    }

    @POST
    @Path("/logout")
    @Operation(summary = "Sign out; ends the session and expires the cookie")
    public Uni<RestResponse<Void>> logout(HttpServerRequest request) {
        io.vertx.core.http.Cookie cookie = request.getCookie(config.cookieName());
        return logins.logout(cookie == null ? null : cookie.getValue())
                .map(x -> RestResponse.ResponseBuilder.<Void>noContent()
                        .cookie(sessionCookie("", 0))
                        .build());
    }

    @POST
    @Path("/password-reset")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Email a password reset code (same answer for unknown addresses)")
    public Uni<AuthRequests.Status> passwordReset(
            @NotNull @Valid AuthRequests.PasswordReset body, HttpServerRequest request) {
        return accounts.requestPasswordReset(EmailAddress.parse(body.email(), "email"), ClientAddress.of(request))
                .replaceWith(new AuthRequests.Status("reset_sent"));
    }

    @POST
    @Path("/password-reset/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a new password with the emailed code; ends all sessions and tokens")
    public Uni<Void> confirmPasswordReset(
            @NotNull @Valid AuthRequests.PasswordResetConfirm body, HttpServerRequest request) {
        return accounts.confirmPasswordReset(
                EmailAddress.parse(body.email(), "email"), body.code(), body.newPassword(), ClientAddress.of(request));
    }

    private NewCookie sessionCookie(String value, int maxAgeSeconds) {
        return dev.tidings.web.SessionCookie.of(config, value, maxAgeSeconds);
    }
}
