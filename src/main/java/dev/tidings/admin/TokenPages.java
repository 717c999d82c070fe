package dev.tidings.admin;

import dev.tidings.account.AccountResponses;
import dev.tidings.account.AuthRequests;
import dev.tidings.account.TokenService;
import dev.tidings.common.PageRequest;
import dev.tidings.web.Ids;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.HashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;

/** API tokens: create (the secret shown once, with a copy button), list with last use, revoke. */
@Path("/app/tokens")
@Produces(MediaType.TEXT_HTML)
public class TokenPages {

    static final int PAGE = 100;

    private final AdminSupport support;
    private final TokenService tokens;

    public TokenPages(AdminSupport support, TokenService tokens) {
        this.support = support;
        this.tokens = tokens;
    }

    @GET
    public Uni<Response> list(
            HttpServerRequest request, @QueryParam("cursor") String cursor, @QueryParam("revoked") String revoked) {
        return support.page(
                request,
                w -> page(w, cursor, null, Map.of(), Map.of(), revoked != null ? "Token revoked." : null, 200));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(HttpServerRequest request, @RestForm String name) {
        Map<String, String> form = new HashMap<>();
        form.put("name", name);
        return support.page(
                request,
                w -> AdminSupport.formAsync(
                        () -> {
                            support.validate(new AuthRequests.CreateToken(name));
                            // The secret is on this answer only: never in a URL, never stored in clear.
                            return tokens.create(w.accountId(), name.strip())
                                    .flatMap(created -> page(w, null, created, Map.of(), Map.of(), null, 201));
                        },
                        problem -> page(
                                w,
                                null,
                                null,
                                form,
                                AdminSupport.fieldErrors(problem),
                                AdminSupport.notice(problem),
                                400)));
    }

    @POST
    @Path("/{tid}/revoke")
    public Uni<Response> revoke(HttpServerRequest request, @PathParam("tid") String tid) {
        return support.page(request, w -> tokens.revoke(w.accountId(), Ids.parse(tid, "This token"))
                .map(x -> AdminSupport.redirect(request, "/app/tokens?revoked=1")));
    }

    private Uni<Response> page(
            Writer w,
            String cursor,
            AccountResponses.CreatedToken created,
            Map<String, String> form,
            Map<String, String> errors,
            String notice,
            int status) {
        return tokens.list(w.accountId(), PageRequest.of(String.valueOf(PAGE), cursor))
                .map(page -> AdminSupport.html(
                        status,
                        AdminViews.tokens(
                                w.email(),
                                w.csrf(),
                                created,
                                page.items(),
                                page.nextCursor(),
                                form,
                                errors,
                                notice,
                                notice != null && errors.isEmpty() && status < 400 ? "good" : "bad")));
    }
}
