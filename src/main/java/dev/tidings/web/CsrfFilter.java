package dev.tidings.web;

import dev.tidings.common.Problem;
import dev.tidings.config.TidingsConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses cross-site state changes to the admin API. The session cookie is already {@code
 * SameSite=Lax}; on top of that, a browser request must come from our own origin ({@code Origin}
 * and {@code Sec-Fetch-Site}), and a cookie-authenticated one may not carry a body a plain HTML
 * form could have sent: a form type, text/plain, or no Content-Type at all (a Blob sent by fetch
 * without a preflight). An empty body, as in logout, carries nothing to forge. Requests
 * authenticated with {@code Authorization: Bearer} carry no ambient credential and are left alone,
 * as are the signed webhooks; any other Authorization header does not exempt a request.
 */
public class CsrfFilter {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> FORM_TYPES =
            Set.of("application/x-www-form-urlencoded", "multipart/form-data", "text/plain");

    private final TidingsConfig config;

    public CsrfFilter(TidingsConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Response refuseCrossSite(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (SAFE_METHODS.contains(request.getMethod())
                || !path.startsWith("/api/")
                || path.startsWith("/api/webhooks/")
                || isBearer(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return null;
        }
        String fetchSite = request.getHeaderString("Sec-Fetch-Site");
        if (fetchSite != null && !fetchSite.equals("same-origin") && !fetchSite.equals("none")) {
            return refuse("The request came from another site");
        }
        String origin = request.getHeaderString("Origin");
        if (origin != null && !isOwnOrigin(origin, request.getHeaderString(HttpHeaders.HOST))) {
            return refuse("The request came from another origin");
        }
        boolean hasSession = request.getCookies().containsKey(config.auth().cookieName());
        if (hasSession && hasBody(request) && isFormType(request.getHeaderString(HttpHeaders.CONTENT_TYPE))) {
            return refuse("Send JSON (Content-Type: application/json), not a form");
        }
        return null;
    }

    /** Only a bearer token carries no ambient authority; any other Authorization header proves nothing. */
    private static boolean isBearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    private boolean isOwnOrigin(String origin, String host) {
        try {
            URI uri = URI.create(origin);
            if (uri.getHost() == null) {
                return false;
            }
            String originHost = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            URI publicUrl = URI.create(config.publicUrl());
            boolean samePublicOrigin = uri.getScheme().equals(publicUrl.getScheme())
                    && uri.getHost().equalsIgnoreCase(publicUrl.getHost())
                    && uri.getPort() == publicUrl.getPort();
            return samePublicOrigin || originHost.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean hasBody(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        return (length != null && !length.strip().equals("0")) || request.getHeaderString("Transfer-Encoding") != null;
    }

    /** A body a plain form, or fetch without a preflight, can send: form types and no type at all. */
    private static boolean isFormType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return FORM_TYPES.contains(mediaType);
    }

    private static Response refuse(String detail) {
        return ProblemMapper.response(new Problem(
                ProblemMapper.typeUri("cross-site-request"), "Cross-site request refused", 403, detail, null));
    }
}
