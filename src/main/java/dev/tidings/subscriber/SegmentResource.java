package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Saved segments and audience counts (API.md "Audience: tags and segments"). */
@Path("/api/newsletters/{id}/segments")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Segments")
public class SegmentResource {

    private final SegmentService segments;
    private final CurrentAccount current;

    public SegmentResource(SegmentService segments, CurrentAccount current) {
        this.segments = segments;
        this.current = current;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Save a segment: {name, rule}; a rule is {\"all\": [...]} or {\"any\": [...]} of conditions")
    public Uni<RestResponse<Segment>> create(@PathParam("id") String id, JsonNode body) {
        UUID newsletterId = newsletter(id);
        return segments.create(current.id(), newsletterId, PatchBody.of(body))
                .map(s -> RestResponse.ResponseBuilder.<Segment>create(RestResponse.Status.CREATED)
                        .location(URI.create("/api/newsletters/" + newsletterId + "/segments/" + s.id()))
                        .entity(s)
                        .build());
    }

    @GET
    @Operation(summary = "The newsletter's segments, newest first")
    public Uni<Page<Segment>> list(
            @PathParam("id") String id, @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return segments.list(current.id(), newsletter(id), PageRequest.of(limit, cursor));
    }

    @POST
    @Path("/count")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "How many subscribers a rule matches: {rule} answers {active, total}")
    public Uni<SubscriberRepository.AudienceCount> count(@PathParam("id") String id, JsonNode body) {
        return segments.count(current.id(), newsletter(id), PatchBody.of(body));
    }

    @GET
    @Path("/{segId}")
    public Uni<Segment> get(@PathParam("id") String id, @PathParam("segId") String segId) {
        return segments.get(current.id(), newsletter(id), segment(segId));
    }

    @PATCH
    @Path("/{segId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Rename a segment or change its rule: {name?, rule?}")
    public Uni<Segment> patch(@PathParam("id") String id, @PathParam("segId") String segId, JsonNode body) {
        return segments.patch(current.id(), newsletter(id), segment(segId), PatchBody.of(body));
    }

    @DELETE
    @Path("/{segId}")
    @Operation(summary = "Delete a segment; 409 while a draft or scheduled issue is sent to it")
    public Uni<Void> delete(@PathParam("id") String id, @PathParam("segId") String segId) {
        return segments.delete(current.id(), newsletter(id), segment(segId));
    }

    private static UUID newsletter(String id) {
        return Ids.parse(id, "This newsletter");
    }

    private static UUID segment(String id) {
        return Ids.parse(id, "This segment");
    }
}
