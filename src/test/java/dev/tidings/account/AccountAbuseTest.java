package dev.tidings.account;

import static dev.tidings.testing.Accounts.PASSWORD;
import static dev.tidings.testing.Accounts.client;
import static dev.tidings.testing.Accounts.newEmail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.Accounts;
import dev.tidings.testing.Database;
import dev.tidings.testing.InjectMailbox;
import dev.tidings.testing.Mailbox;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * What an anonymous client can try against accounts: parallel guesses (counted before they are
 * evaluated, atomically), bcrypt work before any limit, overwriting someone's pending sign-up,
 * and using up somebody else's code mails.
 */
@QuarkusTest
class AccountAbuseTest {

    private static final int PARALLEL = 200;

    @InjectMailbox
    Mailbox mailbox;

    @Inject
    MeterRegistry registry;

    private double hashes() {
        return registry.get("tidings.password.hashes").counter().count();
    }

    private static String wrongCode(String code) {
        return code.equals("123456") ? "654321" : "123456";
    }

    /** Runs {@code n} copies of {@code call} at once; answers their HTTP statuses. */
    private static List<Integer> inParallel(int n, Callable<Integer> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(call));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : futures) {
                statuses.add(f.get());
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoHundredParallelWrongLoginsEvaluateAtMostTheLimit() throws Exception {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        List<Integer> statuses = inParallel(PARALLEL, () -> client().contentType(ContentType.JSON)
                .body(Map.of(
                        "email",
                        email,
                        "password",
                        "wrong guess " + ThreadLocalRandom.current().nextInt()))
                .post("/api/auth/login")
                .statusCode());
        assertThat(statuses).containsOnly(401, 429);
        assertThat(statuses.stream().filter(s -> s == 401).count())
                .as("password checks among %d parallel guesses (limit per account: 5)", PARALLEL)
                .isLessThanOrEqualTo(5);
        // The right password is refused too while the account is throttled.
        assertThat(Accounts.loginStatus(email, PASSWORD)).isEqualTo(429);
    }

    @Test
    void twoHundredParallelWrongCodesEvaluateAtMostTheLimit() throws Exception {
        String email = newEmail();
        Accounts.signup(email);
        String code = mailbox.awaitCode(email, 1);
        List<Integer> statuses = inParallel(PARALLEL, () -> client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", wrongCode(code)))
                .post("/api/auth/verify")
                .statusCode());
        assertThat(statuses).containsOnly(400);
        assertThat(Database.strings(
                        "SELECT attempts FROM account_code WHERE account_id ="
                                + " (SELECT id FROM account WHERE lower(email) = lower(?))",
                        email))
                .as("guesses counted against the code")
                .containsExactly("5");
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code))
                .post("/api/auth/verify")
                .then()
                .statusCode(400); // after five wrong guesses even the right code is dead
    }

    @Test
    void twoHundredParallelWrongResetCodesEvaluateAtMostTheLimit() throws Exception {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        String code = Accounts.resetCode(mailbox, email);
        List<Integer> statuses = inParallel(PARALLEL, () -> client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", wrongCode(code), "newPassword", "attacker password"))
                .post("/api/auth/password-reset/confirm")
                .statusCode());
        assertThat(statuses).containsOnly(400);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code, "newPassword", "another long password"))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(400);
        Accounts.login(email);
    }

    @Test
    void verifyIsLimitedPerClientAddress() {
        // One of 65,000 addresses: the limits live in PostgreSQL for 15 minutes, and suites run back to back share it.
        String address = "198.18." + ThreadLocalRandom.current().nextInt(256) + "."
                + (1 + ThreadLocalRandom.current().nextInt(254));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            statuses.add(RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", newEmail(), "code", "123456"))
                    .post("/api/auth/verify")
                    .statusCode());
        }
        assertThat(statuses.subList(0, 30)).containsOnly(400);
        assertThat(statuses.get(30)).isEqualTo(429);
    }

    @Test
    void resetConfirmIsLimitedPerClientAddress() {
        // One of 65,000 addresses: the limits live in PostgreSQL for 15 minutes, and suites run back to back share it.
        String address = "198.18." + ThreadLocalRandom.current().nextInt(256) + "."
                + (1 + ThreadLocalRandom.current().nextInt(254));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            statuses.add(RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", newEmail(), "code", "123456", "newPassword", "a long new password"))
                    .post("/api/auth/password-reset/confirm")
                    .statusCode());
        }
        assertThat(statuses.subList(0, 30)).containsOnly(400);
        assertThat(statuses.get(30)).isEqualTo(429);
    }

    @Test
    void signupsAreLimitedPerClientAddressBeforeAnyPasswordIsHashed() {
        String address = "198.18." + ThreadLocalRandom.current().nextInt(256) + "."
                + (1 + ThreadLocalRandom.current().nextInt(250));
        double before = hashes();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            statuses.add(RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", newEmail(), "password", PASSWORD))
                    .post("/api/auth/signup")
                    .statusCode());
        }
        assertThat(statuses.subList(0, 10)).containsOnly(202);
        assertThat(statuses.subList(10, 15)).containsOnly(429);
        assertThat(hashes() - before).as("bcrypt hashes computed").isEqualTo(10);
    }

    @Test
    void aWrongResetCodeCostsNoPasswordHash() {
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        double before = hashes();
        for (int i = 0; i < 3; i++) {
            client().contentType(ContentType.JSON)
                    .body(Map.of("email", email, "code", "000000", "newPassword", "a long new password"))
                    .post("/api/auth/password-reset/confirm")
                    .then()
                    .statusCode(400);
        }
        assertThat(hashes() - before).isZero();
    }

    @Test
    void aSecondSignupDoesNotReplaceThePendingAccountsPassword() {
        String email = newEmail();
        Accounts.signup(email); // the owner's password: Accounts.PASSWORD
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "attacker's password"))
                .post("/api/auth/signup")
                .then()
                .statusCode(202);
        String code = mailbox.awaitCode(email, 2);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code))
                .post("/api/auth/verify")
                .then()
                .statusCode(204);
        assertThat(Accounts.loginStatus(email, "attacker's password")).isEqualTo(401);
        Accounts.login(email);
    }

    @Test
    void codeMailsAreLimitedPerRequesterSoOthersCannotUseUpAVictimsMails() throws Exception {
        String victim = newEmail();
        Accounts.verifiedAccount(mailbox, victim);
        String attacker = "192.0.2." + (1 + ThreadLocalRandom.current().nextInt(250));
        for (int i = 0; i < 12; i++) {
            RestAssured.given()
                    .header("X-Forwarded-For", attacker)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", victim))
                    .post("/api/auth/password-reset")
                    .then()
                    .statusCode(202);
        }
        int mailsSoFar = mailbox.countAfterQuietPeriod(victim);
        assertThat(mailsSoFar)
                .as("the attacker's address got only its own quota of mails")
                .isLessThan(1 + 12);
        // The victim, from their own address, still gets a working code.
        client().contentType(ContentType.JSON)
                .body(Map.of("email", victim))
                .post("/api/auth/password-reset")
                .then()
                .statusCode(202);
        String code = mailbox.awaitCode(victim, mailsSoFar + 1);
        client().contentType(ContentType.JSON)
                .body(Map.of("email", victim, "code", code, "newPassword", "the victim's new password"))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(204);
    }

    @Test
    void wrongCodesFromManyAddressesAreCappedPerAccount() {
        // An attacker with many addresses (an IPv6 /48 is 65,536 /64s) asks for a fresh reset code
        // from each and guesses it: per-address limits never bite, so the account must.
        int perDay = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("tidings.auth.code-guesses-per-day", Integer.class)
                .orElse(30);
        String email = newEmail();
        Accounts.verifiedAccount(mailbox, email);
        String prefix =
                "2001:db8:" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000)) + ":";
        for (int i = 0; i <= perDay; i++) {
            String address = prefix + Integer.toHexString(i) + "::1";
            RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", email))
                    .post("/api/auth/password-reset")
                    .then()
                    .statusCode(202);
            RestAssured.given()
                    .header("X-Forwarded-For", address)
                    .contentType(ContentType.JSON)
                    .body(Map.of("email", email, "code", "000000", "newPassword", "attacker password"))
                    .post("/api/auth/password-reset/confirm")
                    .then()
                    .statusCode(400);
        }
        mailbox.awaitMessage(email, perDay + 2); // the verification mail and every reset code so far
        RestAssured.given()
                .header("X-Forwarded-For", prefix + "ffff::1")
                .contentType(ContentType.JSON)
                .body(Map.of("email", email))
                .post("/api/auth/password-reset")
                .then()
                .statusCode(202);
        String code = mailbox.awaitCode(email, perDay + 3);
        RestAssured.given()
                .header("X-Forwarded-For", prefix + "ffff::1")
                .contentType(ContentType.JSON)
                .body(Map.of("email", email, "code", code, "newPassword", "attacker password"))
                .post("/api/auth/password-reset/confirm")
                .then()
                .statusCode(400); // even the right code: the account's guesses for today are used up
        assertThat(Accounts.loginStatus(email, PASSWORD)).isEqualTo(204);
    }
}
