package dev.tidings.delivery;

import dev.tidings.account.CurrentAccount;
import dev.tidings.web.Ids;
import dev.tidings.web.Page;
import dev.tidings.web.PageRequest;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

@Path("/api/newsletters/{id}/issues/{iid}")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
@Tag(name = "Delivery")
public class DeliveryResource {

    private final DeliveryService delivery;
    private final CurrentAccount current;

    public DeliveryResource(DeliveryService delivery, CurrentAccount current) {
        this.delivery = delivery;
        this.current = current;
    }

    @POST
    @Path("/publish")
    @ResponseStatus(202)
    @Operation(summary = "Publish now or at scheduledAt; a repeat with the same Idempotency-Key sends nothing twice")
    public Uni<DeliveryViews.Published> publish(
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            DeliveryViews.PublishRequest body) {
        return delivery.publish(
                current.id(),
                newsletter(id),
                issue(iid),
                body == null ? null : body.scheduledAt(),
                idempotencyKey == null ? null : idempotencyKey.strip());
    }

    @POST
    @Path("/pause")
    @ResponseStatus(202)
    public Uni<Void> pause(@PathParam("id") String id, @PathParam("iid") String iid) {
        return delivery.pause(current.id(), newsletter(id), issue(iid));
    }

    @POST
    @Path("/resume")
    @ResponseStatus(202)
    public Uni<Void> resume(@PathParam("id") String id, @PathParam("iid") String iid) {
        return delivery.resume(current.id(), newsletter(id), issue(iid));
    }

    @POST
    @Path("/cancel")
    @ResponseStatus(202)
    public Uni<Void> cancel(@PathParam("id") String id, @PathParam("iid") String iid) {
        return delivery.cancel(current.id(), newsletter(id), issue(iid));
    }

    @GET
    @Path("/delivery")
    @Operation(summary = "Delivery progress: counts per send status and the current rate")
    public Uni<DeliveryViews.Progress> progress(@PathParam("id") String id, @PathParam("iid") String iid) {
        return delivery.progress(current.id(), newsletter(id), issue(iid));
    }

    @GET
    @Path("/sends")
    @Operation(summary = "Per-recipient sends, newest first; ?status= filters")
    public Uni<Page<DeliveryViews.SendView>> sends(
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @QueryParam("status") String status,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return delivery.sends(current.id(), newsletter(id), issue(iid), status, PageRequest.of(limit, cursor));
    }

    private static UUID newsletter(String id) {
        return Ids.parse(id, "This newsletter");
    }

    private static UUID issue(String id) {
        return Ids.parse(id, "This issue");
    }
}
