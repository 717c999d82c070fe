package dev.tidings.subscriber;

import dev.tidings.common.EmailAddress;
import dev.tidings.common.ProblemException;
import dev.tidings.web.ClientAddress;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Public pages of a newsletter, no login: sign-up (HTML form or JSON), confirmation and one-click
 * unsubscribe (RFC 8058). HTML requests get HTML pages, also for errors; JSON gets problem details.
 */
@Path("/p/{slug}")
@Tag(name = "Public pages")
public class PublicPagesResource {

    private final SignupService signups;

    public PublicPagesResource(SignupService signups) {
        this.signups = signups;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The sign-up page")
    public Uni<Response> signupPage(@PathParam("slug") String slug) {
        return signups.newsletter(slug)
                .map(n -> html(200, PublicPages.signup(slug, n.name(), null, null, null)))
                .onFailure(ProblemException.class)
                .recoverWithItem(e -> errorPage((ProblemException) e));
    }

    @POST
    @Path("/subscribe")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Subscribe (JSON); the same answer whether or not the address was known")
    public Uni<Response> subscribeJson(
            @PathParam("slug") String slug, @NotNull @Valid SubscriberRequests.Signup body, HttpServerRequest request) {
        return signups.subscribe(
                        slug, EmailAddress.parse(body.email(), "email"), body.name(), ClientAddress.of(request))
                .map(outcome -> Response.accepted(Map.of("status", outcome.status()))
                        .type(MediaType.APPLICATION_JSON)
                        .build());
    }

    @POST
    @Path("/subscribe")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "Subscribe from the HTML form")
    public Uni<Response> subscribeForm(
            @PathParam("slug") String slug,
            @FormParam("email") String email,
            @FormParam("name") String name,
            HttpServerRequest request) {
        String problem = EmailAddress.problemWith(email);
        String nameProblem = name != null && (name.length() > 200 || name.contains("\n")) ? "too long" : null;
        if (problem != null || nameProblem != null) {
            return signups.newsletter(slug)
                    .map(n -> html(
                            400,
                            PublicPages.signup(
                                    slug,
                                    n.name(),
                                    email,
                                    nameProblem == null ? name : null,
                                    problem != null
                                            ? "Please enter a valid email address."
                                            : "Please keep the name to one line of at most 200 characters.")))
                    .onFailure(ProblemException.class)
                    .recoverWithItem(e -> errorPage((ProblemException) e));
        }
        return signups.subscribe(slug, EmailAddress.parse(email, "email"), name, ClientAddress.of(request))
                .map(outcome -> html(
                        200,
                        outcome.newsletter().doubleOptIn()
                                ? PublicPages.message(
                                        "Check your inbox",
                                        "Check your inbox",
                                        "We sent a link to confirm your subscription to "
                                                + outcome.newsletter().name()
                                                + ". Open it to start receiving issues.")
                                : PublicPages.message(
                                        "Subscribed",
                                        "You're subscribed",
                                        "You will receive the next issue of "
                                                + outcome.newsletter().name() + ".")))
                .onFailure(ProblemException.class)
                .recoverWithItem(e -> errorPage((ProblemException) e));
    }

    @GET
    @Path("/confirm")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "Confirm a subscription with the emailed link")
    public Uni<Response> confirm(@PathParam("slug") String slug, @QueryParam("token") String token) {
        return signups.confirm(slug, token).flatMap(confirmed -> {
            if (confirmed.isEmpty()) {
                return Uni.createFrom().item(badLink());
            }
            return signups.newsletter(slug)
                    .map(n -> n.name())
                    .onFailure()
                    .recoverWithItem("the newsletter")
                    .map(name -> html(
                            200,
                            PublicPages.message(
                                    "Subscription confirmed",
                                    "You're subscribed",
                                    "Thank you for confirming. You will receive the next issue of " + name + ".")));
        });
    }

    @GET
    @Path("/unsubscribe")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "A page with one button that unsubscribes")
    public Uni<Response> unsubscribePage(@PathParam("slug") String slug, @QueryParam("token") String token) {
        return signups.unsubscribeTarget(slug, token)
                .map(target -> target.isEmpty()
                        ? badLink()
                        : html(
                                200,
                                PublicPages.unsubscribe(
                                        target.get().name(),
                                        // The newsletter's own slug, never the one in the URL.
                                        "/p/" + target.get().slug() + "/unsubscribe?token=" + token.strip())));
    }

    @POST
    @Path("/unsubscribe")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "Unsubscribe (RFC 8058 one-click: List-Unsubscribe=One-Click); idempotent")
    public Uni<Response> unsubscribe(@PathParam("slug") String slug, @QueryParam("token") String token) {
        return signups.unsubscribe(slug, token)
                .map(ok -> ok
                        ? html(
                                200,
                                PublicPages.message(
                                        "Unsubscribed",
                                        "You're unsubscribed",
                                        "You will get no more issues at this address."))
                        : badLink());
    }

    private static Response badLink() {
        return html(
                400,
                PublicPages.message(
                        "Link not valid",
                        "This link does not work",
                        "It may be incomplete, expired or meant for another newsletter. Copy the whole link from"
                                + " the mail, or sign up again."));
    }

    private static Response errorPage(ProblemException e) {
        Response.ResponseBuilder response = Response.status(e.status())
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(PublicPages.message(
                                e.toProblem().title(),
                                e.status() == 404
                                        ? "Newsletter not found"
                                        : e.toProblem().title(),
                                e.status() == 404
                                        ? "There is no newsletter at this address. Check the link."
                                        : e.getMessage())
                        .render());
        if (e.retryAfter() != null) {
            response.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        }
        return response.build();
    }

    private static Response html(int status, TemplateInstance page) {
        return Response.status(status)
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(page.render())
                .build();
    }
}
