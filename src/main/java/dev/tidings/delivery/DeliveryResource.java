package dev.tidings.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.account.CurrentAccount;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.web.Ids;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
    private final TestSends tests;
    private final CurrentAccount current;
    private final ObjectMapper json;

    public DeliveryResource(DeliveryService delivery, TestSends tests, CurrentAccount current, ObjectMapper json) {
        this.delivery = delivery;
        this.tests = tests;
        this.current = current;
        this.json = json;
    }

    @POST
    @Path("/test")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @Operation(summary = "Send the issue with sample data to 1..10 addresses, subject prefixed [Test]")
    public Uni<Void> test(
            @PathParam("id") String id, @PathParam("iid") String iid, DeliveryViews.TestSendRequest body) {
        return tests.send(current.id(), newsletter(id), issue(iid), body == null ? null : body.emails());
    }

    @POST
    @Path("/publish")
    @Consumes(MediaType.WILDCARD)
    @ResponseStatus(202)
    @Operation(
            summary = "Publish now or at scheduledAt ({\"scheduledAt\": \"2026-12-01T08:00:00Z\"}, body optional);"
                    + " a repeat with the same Idempotency-Key sends nothing twice")
    public Uni<DeliveryViews.Published> publish(
            @PathParam("id") String id,
            @PathParam("iid") String iid,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            byte[] body) {
        return delivery.publish(
                current.id(),
                newsletter(id),
                issue(iid),
                scheduledAt(body),
                idempotencyKey == null ? null : idempotencyKey.strip());
    }

    /** The optional body: nothing, {@code {}}, or {@code {"scheduledAt": "<RFC 3339>"}}. */
    private Instant scheduledAt(byte[] body) {
        if (body == null || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        DeliveryViews.PublishRequest request;
        try {
            request = json.readValue(body, DeliveryViews.PublishRequest.class);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            // A typo such as "scheduleAt" must not publish at once to everyone.
            throw dev.tidings.web.ProblemMapper.unknownFieldProblem(e);
        } catch (IOException e) {
            throw ProblemException.invalid("scheduledAt", "must be an RFC 3339 timestamp, e.g. 2026-12-01T08:00:00Z");
        }
        return request == null ? null : request.scheduledAt();
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
    @Path("/delivery/details")
    @Operation(
            summary = "How the delivery goes through the relays and receivers: per-relay counts, health and"
                    + " window use; the recipient domains that throttle this issue now")
    public Uni<DeliveryViews.Details> details(@PathParam("id") String id, @PathParam("iid") String iid) {
        return delivery.details(current.id(), newsletter(id), issue(iid));
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
