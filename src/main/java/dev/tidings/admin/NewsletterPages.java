package dev.tidings.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.PatchBody;
import dev.tidings.newsletter.NewsletterRequests;
import dev.tidings.newsletter.NewsletterService;
import dev.tidings.newsletter.NewsletterView;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/** Creating a newsletter and its settings: name, address, sender, reply-to, double opt-in, the embed snippet. */
@Path("/app/newsletters")
@Produces(MediaType.TEXT_HTML)
public class NewsletterPages {

    private final AdminSupport support;
    private final NewsletterService newsletters;

    public NewsletterPages(AdminSupport support, NewsletterService newsletters) {
        this.support = support;
        this.newsletters = newsletters;
    }

    @GET
    @Path("/new")
    public Uni<Response> newPage(HttpServerRequest request) {
        Map<String, String> form = new HashMap<>();
        form.put("doubleOptIn", "true");
        return support.page(request, w -> {
            form.put("fromEmail", w.email());
            return Uni.createFrom()
                    .item(AdminSupport.html(
                            200,
                            AdminViews.newsletter(
                                    w.email(), w.csrf(), null, form, Map.of(), null, null, null, null, List.of())));
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(
            HttpServerRequest request,
            @RestForm String name,
            @RestForm String slug,
            @RestForm String fromName,
            @RestForm String fromEmail,
            @RestForm String replyTo,
            @RestForm String doubleOptIn,
            @RestForm String trackOpens,
            @RestForm String trackClicks) {
        Map<String, String> form = form(name, slug, fromName, fromEmail, replyTo, doubleOptIn, trackOpens, trackClicks);
        return support.page(
                request,
                w -> AdminSupport.form(
                        () -> newsletters
                                .create(
                                        w.accountId(),
                                        support.validate(new NewsletterRequests.Create(
                                                strip(slug),
                                                strip(name),
                                                strip(fromName),
                                                strip(fromEmail),
                                                blankToNull(replyTo),
                                                "true".equals(doubleOptIn),
                                                "true".equals(trackOpens),
                                                "true".equals(trackClicks))))
                                .map(n -> AdminSupport.redirect(
                                        request, "/app/newsletters/" + n.id() + "/subscribers?created=1")),
                        problem -> AdminSupport.html(
                                problem.status(),
                                AdminViews.newsletter(
                                        w.email(),
                                        w.csrf(),
                                        null,
                                        form,
                                        AdminSupport.fieldErrors(problem),
                                        AdminSupport.notice(problem),
                                        "bad",
                                        null,
                                        null,
                                        List.of()))));
    }

    @GET
    @Path("/{id}")
    public Uni<Response> settings(
            HttpServerRequest request, @PathParam("id") String id, @QueryParam("saved") String saved) {
        return support.page(
                request, w -> newsletters.get(w.accountId(), newsletterId(id)).flatMap(n -> newsletters
                        .relayChoices(w.accountId())
                        .map(relays -> AdminSupport.html(
                                200,
                                AdminViews.newsletter(
                                        w.email(),
                                        w.csrf(),
                                        n,
                                        formOf(n),
                                        Map.of(),
                                        saved != null ? "Saved." : null,
                                        "good",
                                        signupUrl(n),
                                        snippet(n),
                                        relays)))));
    }

    @POST
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> save(
            HttpServerRequest request,
            @PathParam("id") String id,
            @RestForm String name,
            @RestForm String slug,
            @RestForm String fromName,
            @RestForm String fromEmail,
            @RestForm String replyTo,
            @RestForm String doubleOptIn,
            @RestForm String trackOpens,
            @RestForm String trackClicks,
            @RestForm String relay) {
        Map<String, String> form = form(name, slug, fromName, fromEmail, replyTo, doubleOptIn, trackOpens, trackClicks);
        form.put("relay", relay);
        return support.page(request, w -> {
            UUID newsletterId = newsletterId(id);
            return newsletters
                    .get(w.accountId(), newsletterId)
                    .flatMap(current -> newsletters.relayChoices(w.accountId()).flatMap(relays -> {
                        return AdminSupport.form(
                                () -> {
                                    ObjectNode patch = JsonNodeFactory.instance.objectNode();
                                    patch.put("name", name == null ? "" : name);
                                    patch.put("slug", slug == null ? "" : slug);
                                    patch.put("fromName", fromName == null ? "" : fromName);
                                    patch.put("fromEmail", fromEmail == null ? "" : fromEmail);
                                    if (replyTo == null || replyTo.isBlank()) {
                                        patch.putNull("replyTo");
                                    } else {
                                        patch.put("replyTo", replyTo);
                                    }
                                    patch.put("doubleOptIn", "true".equals(doubleOptIn));
                                    patch.put("trackOpens", "true".equals(trackOpens));
                                    patch.put("trackClicks", "true".equals(trackClicks));
                                    if (relay != null) {
                                        // Only sent when the form offers a choice (relays are configured).
                                        if (relay.isBlank()) {
                                            patch.putNull("relay");
                                        } else {
                                            patch.put("relay", relay.strip());
                                        }
                                    }
                                    return newsletters
                                            .patch(w.accountId(), newsletterId, PatchBody.of(patch))
                                            .map(n -> AdminSupport.redirect(
                                                    request, "/app/newsletters/" + n.id() + "?saved=1"));
                                },
                                problem -> AdminSupport.html(
                                        problem.status(),
                                        AdminViews.newsletter(
                                                w.email(),
                                                w.csrf(),
                                                current,
                                                form,
                                                AdminSupport.fieldErrors(problem),
                                                AdminSupport.notice(problem),
                                                "bad",
                                                signupUrl(current),
                                                snippet(current),
                                                relays)));
                    }));
        });
    }

    static UUID newsletterId(String id) {
        return Ids.parse(id, "This newsletter");
    }

    private String signupUrl(NewsletterView n) {
        return support.config().publicUrl().replaceAll("/+$", "") + "/p/" + n.slug();
    }

    /** A plain HTML form that posts to the public sign-up route (which answers it with a page). */
    private String snippet(NewsletterView n) {
        String action = signupUrl(n) + "/subscribe";
        return "<form method=\"post\" action=\"" + org.jsoup.nodes.Entities.escape(action) + "\">\n"
                + "  <label>Email <input type=\"email\" name=\"email\" required></label>\n"
                + "  <label>Name <input type=\"text\" name=\"name\"></label>\n"
                + "  <button type=\"submit\">Subscribe to "
                + org.jsoup.nodes.Entities.escape(n.name())
                + "</button>\n"
                + "</form>";
    }

    private static Map<String, String> formOf(NewsletterView n) {
        Map<String, String> form = form(
                n.name(),
                n.slug(),
                n.fromName(),
                n.fromEmail(),
                n.replyTo(),
                n.doubleOptIn() ? "true" : "false",
                String.valueOf(n.trackOpens()),
                String.valueOf(n.trackClicks()));
        form.put("relay", n.relay());
        return form;
    }

    private static Map<String, String> form(
            String name,
            String slug,
            String fromName,
            String fromEmail,
            String replyTo,
            String doubleOptIn,
            String trackOpens,
            String trackClicks) {
        Map<String, String> form = new HashMap<>();
        form.put("name", name);
        form.put("slug", slug);
        form.put("fromName", fromName);
        form.put("fromEmail", fromEmail);
        form.put("replyTo", replyTo);
        form.put("doubleOptIn", "true".equals(doubleOptIn) ? "true" : "false");
        form.put("trackOpens", "true".equals(trackOpens) ? "true" : "false");
        form.put("trackClicks", "true".equals(trackClicks) ? "true" : "false");
        return form;
    }

    static String strip(String value) {
        return value == null ? null : value.strip();
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
