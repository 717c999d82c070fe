package dev.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How client addresses key the throttles, and which proxy settings the app refuses. */
class ClientAddressTest {

    @Test
    void ipv4IsKeyedAsItIs() {
        assertThat(ClientAddress.key("203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.key("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6IsKeyedByItsSlash64WhateverItsNotation() {
        String key = ClientAddress.key("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
        assertThat(key).isEqualTo(ClientAddress.key("2001:0db8:0001:0002::1"));
        assertThat(key).isEqualTo(ClientAddress.key("[2001:db8:1:2::ffff]"));
        assertThat(key).isEqualTo(ClientAddress.key("2001:db8:1:2::1%eth0"));
        assertThat(key).endsWith("/64");
        assertThat(ClientAddress.key("2001:db8:1:3::1")).isNotEqualTo(key);
    }

    @Test
    void somethingThatIsNotAnAddressIsKeptAsIsAndNeverLookedUp() {
        assertThat(ClientAddress.key("example.com")).isEqualTo("example.com");
        assertThat(ClientAddress.key(null)).isEqualTo("unknown");
    }

    @Test
    void forwardingWithoutTrustedProxiesIsRefused() {
        assertThat(ProxySettingsCheck.problem(false, Optional.empty())).isEmpty();
        assertThat(ProxySettingsCheck.problem(true, Optional.empty()))
                .get()
                .asString()
                .contains("quarkus.http.proxy.trusted-proxies");
        assertThat(ProxySettingsCheck.problem(true, Optional.of(" "))).isPresent();
        assertThat(ProxySettingsCheck.problem(true, Optional.of("10.0.0.0/8, 0.0.0.0/0")))
                .isPresent();
        assertThat(ProxySettingsCheck.problem(true, Optional.of("::/0"))).isPresent();
        assertThat(ProxySettingsCheck.problem(true, Optional.of("10.0.0.0/8,172.28.0.10")))
                .isEmpty();
    }
}
