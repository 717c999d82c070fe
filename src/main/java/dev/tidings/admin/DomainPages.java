package dev.tidings.admin;

import dev.tidings.common.PageRequest;
import dev.tidings.common.ProblemException;
import dev.tidings.sender.SenderDomain;
import dev.tidings.sender.SenderDomainService;
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
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Sender domains: add one (its records shown at once, each with a copy button), each record's
 * state from the last check (refreshed every 30 s, "check now" re-runs the DNS lookups), delete.
 */
@Path("/app/domains")
@Produces(MediaType.TEXT_HTML)
public class DomainPages {

    static final int PAGE = 100;

    private final AdminSupport support;
    private final SenderDomainService domains;

    public DomainPages(AdminSupport support, SenderDomainService domains) {
        this.support = support;
        this.domains = domains;
    }

    @GET
    public Uni<Response> list(
            HttpServerRequest request, @QueryParam("cursor") String cursor, @QueryParam("deleted") String deleted) {
        return support.page(
                request, w -> page(w, cursor, Map.of(), Map.of(), deleted != null ? "Domain deleted." : null, 200));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> add(HttpServerRequest request, @RestForm String domain) {
        Map<String, String> form = domain == null ? Map.of() : Map.of("domain", domain);
        return support.page(
                request,
                w -> AdminSupport.formAsync(
                        () -> domains.add(w.accountId(), domain)
                                .map(d -> AdminSupport.redirect(request, "/app/domains/" + d.id() + "?added=1")),
                        problem -> page(
                                w,
                                null,
                                form,
                                AdminSupport.fieldErrors(problem),
                                AdminSupport.notice(problem),
                                problem.status())));
    }

    @GET
    @Path("/{did}")
    public Uni<Response> domain(
            HttpServerRequest request, @PathParam("did") String did, @QueryParam("added") String added) {
        return support.page(request, w -> domains.get(w.accountId(), id(did))
                .map(d -> AdminSupport.html(
                        200,
                        AdminViews.domain(
                                w.email(),
                                w.csrf(),
                                d,
                                added != null ? "Domain added: publish these records, then check them." : null,
                                "good"))));
    }

    /** The records with what the last check found (polled by the page). */
    @GET
    @Path("/{did}/records")
    public Uni<Response> records(HttpServerRequest request, @PathParam("did") String did) {
        return support.page(request, w -> domains.get(w.accountId(), id(did))
                .map(d -> AdminSupport.html(200, AdminViews.domainRecords(d))));
    }

    @POST
    @Path("/{did}/verify")
    public Uni<Response> verify(HttpServerRequest request, @PathParam("did") String did) {
        UUID id = id(did);
        return support.page(request, w -> domains.verify(w.accountId(), id)
                .map(d -> AdminSupport.isHtmx(request)
                        ? AdminSupport.html(200, AdminViews.domainRecords(d))
                        : AdminSupport.html(200, AdminViews.domain(w.email(), w.csrf(), d, verdict(d), kind(d)))));
    }

    @POST
    @Path("/{did}/delete")
    public Uni<Response> delete(HttpServerRequest request, @PathParam("did") String did) {
        UUID id = id(did);
        return support.page(request, w -> domains.delete(w.accountId(), id)
                .map(x -> AdminSupport.redirect(request, "/app/domains?deleted=1"))
                .onFailure(ProblemException.class)
                .recoverWithUni(problem -> domains.get(w.accountId(), id)
                        .map(d -> AdminSupport.html(
                                ((ProblemException) problem).status(),
                                AdminViews.domain(w.email(), w.csrf(), d, problem.getMessage(), "bad")))));
    }

    private Uni<Response> page(
            Writer w, String cursor, Map<String, String> form, Map<String, String> errors, String notice, int status) {
        return domains.list(w.accountId(), PageRequest.of(String.valueOf(PAGE), cursor))
                .map(page -> AdminSupport.html(
                        status,
                        AdminViews.domains(
                                w.email(),
                                w.csrf(),
                                domains.sharedDomains(),
                                page.items(),
                                page.nextCursor(),
                                form,
                                errors,
                                notice,
                                notice != null && errors.isEmpty() && status < 400 ? "good" : "bad")));
    }

    private static String verdict(SenderDomain d) {
        return "verified".equals(d.status())
                ? d.domain() + " is verified."
                : "Not verified yet: publish the records marked ✗ (DNS changes can take a while to show).";
    }

    private static String kind(SenderDomain d) {
        return "verified".equals(d.status()) ? "good" : "bad";
    }

    private static UUID id(String did) {
        return Ids.parse(did, "This sender domain");
    }
}
