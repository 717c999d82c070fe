package dev.tidings.admin;

import dev.tidings.common.Secrets;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The admin's request guards. Every {@code /app} visit gets the per-browser form cookie the form
 * tokens are made from; every state-changing {@code /app} request must come from our own pages
 * ({@code Sec-Fetch-Site}) and carry the form token, as the {@code X-CSRF-Token} header (htmx) or
 * the {@code _csrf} form field (a plain form post). {@code /} leads to the admin.
 */
@ApplicationScoped
public class AdminFilters {

    static final String NEW_FORM_VALUE = "tidings.admin.form";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final AdminSupport support;
    private final CurrentVertxRequest current;

    public AdminFilters(AdminSupport support, CurrentVertxRequest current) {
        this.support = support;
        this.current = current;
    }

    void install(@Observes Router router) {
        router.route("/").order(-20).handler(context -> {
            if ("GET".equals(context.request().method().name())) {
                context.response()
                        .setStatusCode(303)
                        .putHeader("Location", "/app")
                        .end();
            } else {
                context.next();
            }
        });
        boolean secure = support.config().auth().cookieSecure();
        router.route("/app/*").order(-20).handler(context -> adminRequest(context, secure));
        router.route("/app").order(-20).handler(context -> adminRequest(context, secure));
    }

    private static void adminRequest(RoutingContext context, boolean secure) {
        // Server time of every admin answer, for the browser's devtools and bench/admin-pages.sh.
        long start = System.nanoTime();
        context.addHeadersEndHandler(v -> context.response()
                .putHeader(
                        "Server-Timing",
                        "app;dur=" + String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e6)));
        if (context.request().getCookie(AdminSupport.FORM_COOKIE) == null) {
            String value = Secrets.newToken("");
            context.put(NEW_FORM_VALUE, value);
            context.response()
                    .addCookie(Cookie.cookie(AdminSupport.FORM_COOKIE, value)
                            .setPath("/app")
                            .setHttpOnly(true)
                            .setSecure(secure)
                            .setSameSite(CookieSameSite.STRICT));
        }
        context.next();
    }

    @ServerRequestFilter
    public Response checkFormToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (SAFE_METHODS.contains(request.getMethod()) || !(path.equals("/app") || path.startsWith("/app/"))) {
            return null;
        }
        String site = request.getHeaderString("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return refuse();
        }
        String token = request.getHeaderString(AdminSupport.TOKEN_HEADER);
        if (token == null) {
            // Form bodies were read whole, and their fields parsed, by web.RequestLimits' body handler.
            token = current.getCurrent().request().getFormAttribute(AdminSupport.TOKEN_FIELD);
        }
        if (!support.validToken(current.getCurrent().request(), token)) {
            return refuse();
        }
        return null;
    }

    private static Response refuse() {
        return AdminSupport.html(
                403,
                AdminViews.error(
                        null,
                        null,
                        "This form has expired",
                        "The page was open too long, or you signed in or out in another tab. Go back, reload"
                                + " the page and try again."));
    }
}
