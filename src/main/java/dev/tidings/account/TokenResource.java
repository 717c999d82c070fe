package dev.tidings.account;

import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Accounts")
public class TokenResource {

    private final TokenService tokens;
    private final CurrentAccount current;

    public TokenResource(TokenService tokens, CurrentAccount current) {
        this.tokens = tokens;
        this.current = current;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<AccountResponses.CreatedToken>> create(@NotNull @Valid AuthRequests.CreateToken body) {
        return tokens.create(current.id(), body.name())
                .map(created -> RestResponse.ResponseBuilder.<AccountResponses.CreatedToken>created(
                                URI.create("/api/tokens/" + created.id()))
                        .entity(created)
                        .build());
    }

    @GET
    public Uni<Page<AccountResponses.TokenSummary>> list(
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return tokens.list(current.id(), PageRequest.of(limit, cursor));
    }

    @DELETE
    @Path("/{id}")
    public Uni<Void> revoke(@PathParam("id") String id) {
        return tokens.revoke(current.id(), Ids.parse(id, "This token"));
    }
}
