package dev.tidings.sender;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A sender domain as the API shows it (API.md "Sender domains"): the DNS records to publish, each
 * with what the last check found.
 *
 * @param status pending (never verified), verified, or failing (verified once, the last check no
 *     longer found its DKIM or return-path record)
 */
public record SenderDomain(
        UUID id,
        String domain,
        String status,
        List<DnsRecord> records,
        Instant checkedAt,
        Instant verifiedAt,
        Instant createdAt) {

    /**
     * One record to publish.
     *
     * @param purpose dkim, return-path, spf or dmarc; DKIM and return-path are required, SPF and
     *     DMARC recommended
     * @param ok whether the last check found it as it should be
     * @param required whether the domain is verified without it
     * @param found what the last check found instead, when it was not ok (a value, "nothing", or
     *     why the lookup had no answer); null when ok or never checked
     */
    public record DnsRecord(
            String type, String name, String value, String purpose, boolean ok, boolean required, String found) {}
}
