package dev.tidings.web;

import dev.tidings.config.TidingsConfig;
import jakarta.ws.rs.core.NewCookie;

/** The login session cookie, as the JSON API and the web admin both set and expire it. */
public final class SessionCookie {

    private SessionCookie() {}

    /** The session cookie holding {@code value}; a max age of 0 expires it. */
    public static NewCookie of(TidingsConfig.Auth config, String value, int maxAgeSeconds) {
        NewCookie.Builder cookie = new NewCookie.Builder(config.cookieName());
        if (maxAgeSeconds == 0) {
            cookie.expiry(new java.util.Date(0));
        }
        return cookie.value(value)
                .path("/")
                .httpOnly(true)
                .secure(config.cookieSecure())
                .sameSite(NewCookie.SameSite.LAX)
                .maxAge(maxAgeSeconds)
                .build();
    }
}
