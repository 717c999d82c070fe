package dev.tidings.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The machine-reader list as shipped (engagement/machine-readers.tsv). */
class MachineReadersTest {

    private final MachineReaders readers = new MachineReaders();
    private static final String CHROME =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";

    @Test
    void knownProxiesScannersAndScriptsAreMachines() {
        assertThat(readers.isMachine("Mozilla/5.0", "203.0.113.9"))
                .as("Apple MPP's bare agent")
                .isTrue();
        assertThat(readers.isMachine(CHROME, "17.58.1.2"))
                .as("from Apple's network")
                .isTrue();
        assertThat(readers.isMachine("Mozilla/5.0 (compatible; Barracuda Sentinel)", "198.51.100.1"))
                .isTrue();
        assertThat(readers.isMachine("Slackbot-LinkExpanding 1.0", "198.51.100.1"))
                .isTrue();
        assertThat(readers.isMachine("curl/8.5.0", "198.51.100.1")).isTrue();
        assertThat(readers.isMachine(null, "198.51.100.1")).isTrue();
        assertThat(readers.isMachine("  ", "198.51.100.1")).isTrue();
    }

    @Test
    void peopleAndTheImageProxiesThatFetchOnOpenAreNot() {
        assertThat(readers.isMachine(CHROME, "198.51.100.1")).isFalse();
        assertThat(readers.isMachine(CHROME, "18.0.0.1")).isFalse();
        assertThat(readers.isMachine(CHROME, "2001:db8::1")).isFalse();
        assertThat(readers.isMachine(
                        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
                        "66.249.1.1"))
                .isFalse();
        assertThat(readers.isMachine(CHROME, "not-an-address")).isFalse();
        assertThat(readers.isMachine(CHROME, "example.com"))
                .as("never a DNS lookup")
                .isFalse();
    }
}
