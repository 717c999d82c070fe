package dev.tidings.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void sizesAreWholeMebibytesOrKibibytes() {
        assertThat(Units.bytes(2L * 1024 * 1024)).isEqualTo("2 MiB");
        assertThat(Units.bytes(200L * 1024 * 1024)).isEqualTo("200 MiB");
        assertThat(Units.bytes(512 * 1024)).isEqualTo("512 KiB");
        assertThat(Units.bytes(1536 * 1024)).isEqualTo("1536 KiB");
    }

    @Test
    void durationsAreWholeMinutesOrSeconds() {
        assertThat(Units.duration(Duration.ofMinutes(10))).isEqualTo("10 minutes");
        assertThat(Units.duration(Duration.ofMinutes(1))).isEqualTo("1 minute");
        assertThat(Units.duration(Duration.ofSeconds(90))).isEqualTo("90 seconds");
        assertThat(Units.duration(Duration.ofSeconds(1))).isEqualTo("1 second");
    }
}
