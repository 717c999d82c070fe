package dev.tidings.admin;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import dev.tidings.testing.Newsletters;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin's guards, over plain HTTP: form tokens, headers, sign-in redirects, no open redirect. */
@QuarkusTest
class AdminSecurityTest {

    private static final Pattern META_TOKEN = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    @InjectMailbox
    Mailbox mailbox;

    String email;
    String token;
    String session;

    @BeforeEach
    void writer() {
        email = Accounts.newEmail();
        token = Accounts.tokenFor(mailbox, email);
        session = Accounts.login(email);
    }

    /** A page fetched as the browser would: the session and the form cookie it was given. */
    private record Visit(String formCookie, String csrf) {}

    private Visit visit(String session) {
        Response page = given().redirects()
                .follow(false)
                .cookie("tidings_session", session)
                .get("/app/tokens");
        assertThat(page.statusCode()).isEqualTo(200);
        Matcher m = META_TOKEN.matcher(page.asString());
        assertThat(m.find()).isTrue();
        return new Visit(page.getCookie("tidings_form"), m.group(1));
    }

    private int tokens() {
        return Newsletters.as(token)
                .get("/api/tokens")
                .then()
                .statusCode(200)
                .extract()
                .path("items.size()");
    }

    @Test
    void aFormPostWithoutTheRightTokenIsRefusedAndChangesNothing() {
        Visit visit = visit(session);
        int before = tokens();
        // No token at all.
        given().cookie("tidings_session", session)
                .cookie("tidings_form", visit.formCookie())
                .formParam("name", "x")
                .post("/app/tokens")
                .then()
                .statusCode(403)
                .body(containsString("This form has expired"));
        // A token made for another browser (another form cookie).
        given().cookie("tidings_session", session)
                .cookie("tidings_form", "another-browser")
                .formParam("_csrf", visit.csrf())
                .formParam("name", "x")
                .post("/app/tokens")
                .then()
                .statusCode(403);
        // A token of another session.
        Visit other = visit(Accounts.login(email));
        given().cookie("tidings_session", session)
                .cookie("tidings_form", other.formCookie())
                .formParam("_csrf", other.csrf())
                .formParam("name", "x")
                .post("/app/tokens")
                .then()
                .statusCode(403);
        // The right token, but sent from another site.
        given().cookie("tidings_session", session)
                .cookie("tidings_form", visit.formCookie())
                .header("Sec-Fetch-Site", "cross-site")
                .formParam("_csrf", visit.csrf())
                .formParam("name", "x")
                .post("/app/tokens")
                .then()
                .statusCode(403);
        assertThat(tokens()).isEqualTo(before);
        // And the right token from our own page works, as a field or as htmx's header.
        given().cookie("tidings_session", session)
                .cookie("tidings_form", visit.formCookie())
                .formParam("_csrf", visit.csrf())
                .formParam("name", "ok")
                .post("/app/tokens")
                .then()
                .statusCode(201);
        given().cookie("tidings_session", session)
                .cookie("tidings_form", visit.formCookie())
                .header("X-CSRF-Token", visit.csrf())
                .formParam("name", "ok2")
                .post("/app/tokens")
                .then()
                .statusCode(201);
        assertThat(tokens()).isEqualTo(before + 2);
    }

    @Test
    void anotherAccountsTokenCannotBeRevokedFromHere() {
        String otherEmail = Accounts.newEmail();
        String otherToken = Accounts.tokenFor(mailbox, otherEmail);
        String otherId =
                Newsletters.as(otherToken).get("/api/tokens").then().extract().path("items[0].id");
        Visit visit = visit(session);
        given().cookie("tidings_session", session)
                .cookie("tidings_form", visit.formCookie())
                .formParam("_csrf", visit.csrf())
                .post("/app/tokens/" + otherId + "/revoke")
                .then()
                .statusCode(404)
                .body(containsString("Not found"));
        Newsletters.as(otherToken).get("/api/me").then().statusCode(200);
    }

    @Test
    void pagesRunOnlyOurScriptsAndAreNeverFramed() {
        String newsletter = Newsletters.create(token, Newsletters.newSlug(), false);
        for (String path : new String[] {
            "/app",
            "/app/login",
            "/app/tokens",
            "/app/newsletters/" + newsletter,
            "/app/newsletters/" + newsletter + "/subscribers",
            "/app/newsletters/" + newsletter + "/issues/new"
        }) {
            Response page = given().cookie("tidings_session", session).get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            String csp = page.header("Content-Security-Policy");
            assertThat(csp)
                    .as(path)
                    .contains("script-src 'self'")
                    .contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline")
                    .doesNotContain("unsafe-eval");
            assertThat(page.header("Server-Timing")).as(path).startsWith("app;dur=");
            String html = page.asString();
            assertThat(html).as(path).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>");
            assertThat(html).as(path).doesNotContainPattern("\\son[a-z]+=\"");
            assertThat(html).as(path).doesNotContain("style=\"");
        }
    }

    @Test
    void theIssuePreviewFrameIsSandboxed() {
        String newsletter = Newsletters.create(token, Newsletters.newSlug(), false);
        String issue = dev.tidings.testing.Issues.draft(newsletter, "S", "<p>x</p><script>alert(1)</script>", "x");
        given().cookie("tidings_session", session)
                .get("/app/newsletters/" + newsletter + "/issues/" + issue + "/preview/frame")
                .then()
                .statusCode(200)
                .header("Content-Security-Policy", containsString("sandbox"))
                .header("Content-Security-Policy", containsString("default-src 'none'"))
                .header("Content-Security-Policy", not(containsString("script-src")));
    }

    @Test
    void withoutASessionPagesLeadToSignInAndBackAndNeverToAnotherSite() {
        given().redirects()
                .follow(false)
                .get("/app/tokens")
                .then()
                .statusCode(303)
                .header("Location", containsString("/app/login?next=%2Fapp%2Ftokens"));
        given().redirects().follow(false).get("/").then().statusCode(303).header("Location", containsString("/app"));
        given().get("/app/newsletters/x/issues/y/delivery/stream").then().statusCode(401);

        Response login = given().redirects().follow(false).get("/app/login");
        String formCookie = login.getCookie("tidings_form");
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(login.asString());
        assertThat(m.find()).isTrue();
        for (String next :
                new String[] {"//evil.example/app", "https://evil.example", "/app/../../x\\y", "/appx//evil"}) {
            given().redirects()
                    .follow(false)
                    .cookie("tidings_form", formCookie)
                    .formParam("_csrf", m.group(1))
                    .formParam("email", email)
                    .formParam("password", Accounts.PASSWORD)
                    .formParam("next", next)
                    .post("/app/login")
                    .then()
                    .statusCode(303)
                    .header("Location", org.hamcrest.Matchers.endsWith("/app"));
        }
    }

    @Test
    void aBrowserWithAnEndedSessionIsSentToSignInAndForgetsTheCookie() {
        given().cookie("tidings_session", session)
                .post("/api/auth/logout")
                .then()
                .statusCode(204);
        Response page = given().redirects()
                .follow(false)
                .cookie("tidings_session", session)
                .get("/app");
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.header("Location")).contains("/app/login");
        assertThat(page.headers().getValues("Set-Cookie"))
                .anyMatch(c -> c.startsWith("tidings_session=;") && c.contains("Max-Age=0"));
    }
}
