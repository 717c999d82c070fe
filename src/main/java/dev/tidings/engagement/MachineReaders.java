package dev.tidings.engagement;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Known machine readers (prefetching proxies, scanners, link previews, scripts), kept as data with
 * the source of each rule in {@code engagement/machine-readers.tsv}. Only the verdict is kept: the
 * address and the User-Agent are looked at here and never stored.
 */
@ApplicationScoped
public class MachineReaders {

    private record Range(byte[] network, int bits) {}

    private final List<String> contains = new ArrayList<>();
    private final List<String> exact = new ArrayList<>();
    private final List<Range> ranges = new ArrayList<>();

    public MachineReaders() {
        this(MachineReaders.class.getResourceAsStream("/engagement/machine-readers.tsv"));
    }

    MachineReaders(InputStream data) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\t");
                String pattern = parts[1].strip();
                switch (parts[0].strip()) {
                    case "ua" -> contains.add(pattern.toLowerCase(Locale.ROOT));
                    case "ua-exact" -> exact.add(pattern.toLowerCase(Locale.ROOT));
                    case "cidr" -> ranges.add(range(pattern));
                    default -> throw new IllegalStateException("unknown rule kind in machine-readers.tsv: " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a request with this User-Agent from this address is a machine's. */
    public boolean isMachine(String userAgent, String address) {
        if (userAgent == null || userAgent.isBlank()) {
            return true;
        }
        String ua = userAgent.strip().toLowerCase(Locale.ROOT);
        if (exact.contains(ua)) {
            return true;
        }
        for (String part : contains) {
            if (ua.contains(part)) {
                return true;
            }
        }
        return address != null && inRanges(address);
    }

    private boolean inRanges(String address) {
        byte[] ip = literal(address);
        if (ip == null) {
            return false;
        }
        for (Range r : ranges) {
            if (r.network().length == ip.length && matches(ip, r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] ip, Range r) {
        int full = r.bits() / 8;
        for (int i = 0; i < full; i++) {
            if (ip[i] != r.network()[i]) {
                return false;
            }
        }
        int rest = r.bits() % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (ip[full] & mask) == (r.network()[full] & mask);
    }

    private static Range range(String cidr) {
        String[] parts = cidr.split("/");
        byte[] network = literal(parts[0]);
        if (network == null) {
            throw new IllegalStateException("not an address range: " + cidr);
        }
        return new Range(network, Integer.parseInt(parts[1]));
    }

    /** The bytes of a literal IPv4 or IPv6 address (never a DNS lookup); null for anything else. */
    private static byte[] literal(String address) {
        String a = address.strip();
        boolean v4 = a.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = a.contains(":") && a.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
