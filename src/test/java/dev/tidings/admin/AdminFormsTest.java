package dev.tidings.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tidings.common.ProblemException;
import dev.tidings.delivery.DeliveryViews;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin's form conversions, one class at a time (no app, no browser). */
class AdminFormsTest {

    @Test
    void attributeRowsKeepTheTypeAValueHadWhileItsTextStillReadsAsOne() {
        var json = SubscriberPages.attributes(
                List.of(
                        new SubscriberPages.Attribute("age", "42"),
                        new SubscriberPages.Attribute("vip", "false"),
                        new SubscriberPages.Attribute("plan", "pro"),
                        new SubscriberPages.Attribute("zip", "01234"),
                        new SubscriberPages.Attribute("score", "high")),
                Map.of("age", 41, "vip", true, "score", 3));
        assertThat(json.get("age").isNumber()).isTrue();
        assertThat(json.get("age").asInt()).isEqualTo(42);
        assertThat(json.get("vip").isBoolean()).isTrue();
        assertThat(json.get("plan").isTextual()).isTrue();
        assertThat(json.get("zip").asText()).isEqualTo("01234"); // was no number: stays text
        assertThat(json.get("score").asText()).isEqualTo("high"); // no longer a number: text
    }

    @Test
    void attributeRowsWithoutAKeyOrWithAKeyTwiceAreRefused() {
        assertThatThrownBy(() -> SubscriberPages.attributes(List.of(new SubscriberPages.Attribute("", "x")), Map.of()))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("every value needs a key");
        assertThatThrownBy(() -> SubscriberPages.attributes(
                        List.of(new SubscriberPages.Attribute("a", "1"), new SubscriberPages.Attribute("a", "2")),
                        Map.of()))
                .hasMessageContaining("given twice");
    }

    @Test
    void aScheduleIsReadInTheBrowsersZoneAndMustBeInTheFuture() {
        Instant at = IssuePages.scheduledInstant("2999-01-02T09:30", "Europe/Berlin");
        assertThat(at).isEqualTo(Instant.parse("2999-01-02T08:30:00Z"));
        assertThat(IssuePages.scheduledInstant("2999-01-02T09:30", "Not/AZone"))
                .isEqualTo(Instant.parse("2999-01-02T09:30:00Z"));
        assertThatThrownBy(() -> IssuePages.scheduledInstant("2001-01-01T00:00", "UTC"))
                .hasMessageContaining("must be in the future");
        assertThatThrownBy(() -> IssuePages.scheduledInstant("tomorrow", "UTC")).hasMessageContaining("date and time");
        assertThatThrownBy(() -> IssuePages.scheduledInstant(" ", "UTC")).hasMessageContaining("choose a date");
    }

    @Test
    void progressShowsTheDoneShareAndTimeLeftAtTheCurrentRate() {
        var live = DeliveryPages.live(new DeliveryViews.Progress(
                "sending", 10_000, 3000, 100, 4000, 0, 0, 0, 0, Instant.now(), null, 100.0, null));
        assertThat(live.percent()).isEqualTo(40);
        assertThat(live.eta()).isEqualTo("1 min 0 s");
        assertThat(live.active()).isTrue();
        var done = DeliveryPages.live(
                new DeliveryViews.Progress("sent", 10, 0, 0, 9, 0, 1, 0, 0, Instant.now(), Instant.now(), 5.0, null));
        assertThat(done.percent()).isEqualTo(100);
        assertThat(done.eta()).isNull();
        assertThat(done.active()).isFalse();
    }

    @Test
    void afterSignInOnlyAnAdminPathIsFollowed() {
        assertThat(AccountPages.safeNext("/app/newsletters/x/issues")).isEqualTo("/app/newsletters/x/issues");
        for (String bad : new String[] {
            null,
            "https://evil.example/app",
            "//evil.example",
            "/app//evil",
            "/app\\x",
            "/apple",
            "/app/login?next=/app",
            "/api/me"
        }) {
            assertThat(AccountPages.safeNext(bad)).as(String.valueOf(bad)).isEqualTo("/app");
        }
    }

    @Test
    void liveStreamsAreBoundedPerAccountAndInAllAndForgottenWhenClosed() {
        var slots = new DeliveryPages.Slots(2, 3);
        java.util.UUID a = java.util.UUID.randomUUID();
        java.util.UUID b = java.util.UUID.randomUUID();
        assertThat(slots.open(a)).isTrue();
        assertThat(slots.open(a)).isTrue();
        assertThat(slots.open(a)).as("a third for one account").isFalse();
        assertThat(slots.open(b)).isTrue();
        assertThat(slots.open(b)).as("the instance is full").isFalse();
        assertThat(slots.open()).isEqualTo(3);
        slots.close(a);
        slots.close(a);
        slots.close(b);
        assertThat(slots.open()).isZero();
        assertThat(slots.accounts()).as("nobody is remembered").isZero();
    }
}
