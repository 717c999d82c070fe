package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.PatchBody;
import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/newsletters/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Subscribers")
public class SubscriberResource {

    private final SubscriberService subscribers;
    private final ImportService imports;
    private final SubscriberExport export;
    private final NewsletterDirectory newsletters;
    private final CurrentAccount current;

    public SubscriberResource(
            SubscriberService subscribers,
            ImportService imports,
            SubscriberExport export,
            NewsletterDirectory newsletters,
            CurrentAccount current) {
        this.subscribers = subscribers;
        this.imports = imports;
        this.export = export;
        this.newsletters = newsletters;
        this.current = current;
    }

    @GET
    @Path("/subscribers")
    @Operation(summary = "Subscribers, newest first; ?status= filters, ?q= searches email and name")
    public Uni<Page<Subscriber.View>> list(
            @PathParam("id") String id,
            @QueryParam("status") String status,
            @QueryParam("q") String q,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return subscribers.list(current.id(), newsletter(id), status, q, PageRequest.of(limit, cursor));
    }

    @POST
    @Path("/subscribers")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Subscriber.View>> create(
            @PathParam("id") String id, @NotNull @Valid SubscriberRequests.Create body) {
        UUID newsletterId = newsletter(id);
        return subscribers
                .create(current.id(), newsletterId, body)
                .map(created -> RestResponse.ResponseBuilder.<Subscriber.View>created(
                                URI.create("/api/newsletters/" + newsletterId + "/subscribers/" + created.id()))
                        .entity(created)
                        .build());
    }

    @GET
    @Path("/subscribers/{sid}")
    public Uni<Subscriber.View> get(@PathParam("id") String id, @PathParam("sid") String sid) {
        return subscribers.get(current.id(), newsletter(id), Ids.parse(sid, "This subscriber"));
    }

    @PATCH
    @Path("/subscribers/{sid}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public Uni<Subscriber.View> patch(@PathParam("id") String id, @PathParam("sid") String sid, JsonNode body) {
        return subscribers.patch(current.id(), newsletter(id), Ids.parse(sid, "This subscriber"), PatchBody.of(body));
    }

    @PUT
    @Path("/subscribers/{sid}/tags")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace the subscriber's tags: {\"tags\": [\"a\", \"b\"]} (trimmed, lower-cased, at most 50)")
    public Uni<Subscriber.View> setTags(@PathParam("id") String id, @PathParam("sid") String sid, JsonNode body) {
        return subscribers.setTags(current.id(), newsletter(id), Ids.parse(sid, "This subscriber"), PatchBody.of(body));
    }

    @POST
    @Path("/subscribers/tags")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Bulk tagging: {add?, remove?, subscriberIds} (at most 1,000 ids); answers {matched}")
    public Uni<Map<String, Object>> retag(@PathParam("id") String id, JsonNode body) {
        return subscribers
                .retag(current.id(), newsletter(id), PatchBody.of(body))
                .map(n -> Map.of("matched", n));
    }

    @GET
    @Path("/tags")
    @Operation(summary = "The newsletter's tags with their numbers of subscribers")
    public Uni<java.util.List<SubscriberRepository.TagCount>> tags(@PathParam("id") String id) {
        return subscribers.tagCounts(current.id(), newsletter(id));
    }

    @DELETE
    @Path("/subscribers/{sid}")
    @Operation(summary = "Erase the subscriber's personal data (GDPR)")
    public Uni<Void> erase(@PathParam("id") String id, @PathParam("sid") String sid) {
        return subscribers.erase(current.id(), newsletter(id), Ids.parse(sid, "This subscriber"));
    }

    @POST
    @Path("/subscribers/import")
    @Consumes({"text/csv", "application/csv"})
    @Blocking
    @Operation(
            summary = "Import a CSV (header email[,name][,attribute columns]) in the background;"
                    + " ?status=pending imports new addresses as pending and mails them a confirmation")
    public RestResponse<Map<String, Object>> importCsv(
            @PathParam("id") String id, @QueryParam("status") String status, InputStream body) {
        UUID newsletterId = newsletter(id);
        SubscriberImport started = imports.start(current.id(), newsletterId, body, status);
        return RestResponse.ResponseBuilder.<Map<String, Object>>create(RestResponse.Status.ACCEPTED)
                .location(URI.create("/api/newsletters/" + newsletterId + "/imports/" + started.id()))
                .entity(Map.of("id", started.id(), "status", started.status()))
                .build();
    }

    @GET
    @Path("/imports/{importId}")
    @Operation(summary = "Progress and result of an import")
    public Uni<SubscriberImport> importStatus(@PathParam("id") String id, @PathParam("importId") String importId) {
        return imports.find(current.id(), newsletter(id), Ids.parse(importId, "This import"));
    }

    @GET
    @Path("/subscribers/export")
    @Produces("text/csv")
    @Operation(summary = "All subscribers as CSV, streamed")
    public RestMulti<String> exportCsv(@PathParam("id") String id) {
        UUID newsletterId = newsletter(id);
        return RestMulti.fromUniResponse(
                newsletters.owned(current.id(), newsletterId),
                n -> export.csv(newsletterId),
                n -> Map.of(
                        "Content-Disposition",
                        List.of("attachment; filename=\"" + n.slug() + "-subscribers.csv\""),
                        "Content-Type",
                        List.of("text/csv; charset=UTF-8")));
    }

    private static UUID newsletter(String id) {
        return Ids.parse(id, "This newsletter");
    }
}
