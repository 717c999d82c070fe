package dev.tidings.sender;

import dev.tidings.config.TidingsConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The DNS questions verification asks, with dnsjava, asynchronously (no thread waits on the
 * network): the TXT strings at a name (each record's strings joined, as DKIM and SPF read them)
 * and the CNAME target of a name. Resolvers: {@code tidings.sender.dns-servers}, else the
 * system's; nothing is cached here, so a record just published is seen at once.
 */
@ApplicationScoped
public class DnsLookups {

    /** A lookup that could not be answered (timeout, SERVFAIL): not the same as "no such record". */
    public static final class Unanswered extends RuntimeException {
        Unanswered(String message) {
            super(message, null, false, false);
        }
    }

    private final Resolver resolver;

    public DnsLookups(TidingsConfig config) {
        try {
            List<String> servers = config.sender().dnsServers().orElse(List.of());
            ExtendedResolver extended;
            if (servers.isEmpty()) {
                extended = new ExtendedResolver();
            } else {
                List<Resolver> each = new ArrayList<>();
                for (String server : servers) {
                    String host = server.strip();
                    int port = 53;
                    int colon = host.lastIndexOf(':');
                    if (colon > 0 && host.indexOf(':') == colon) {
                        port = Integer.parseInt(host.substring(colon + 1));
                        host = host.substring(0, colon);
                    }
                    SimpleResolver simple = new SimpleResolver(host);
                    simple.setPort(port);
                    each.add(simple);
                }
                extended = new ExtendedResolver(each);
            }
            extended.setTimeout(config.sender().dnsTimeout());
            extended.setRetries(1);
            this.resolver = extended;
        } catch (UnknownHostException | NumberFormatException e) {
            throw new io.quarkus.runtime.configuration.ConfigurationException(
                    "tidings.sender.dns-servers must list host[:port] entries: " + e.getMessage());
        }
    }

    /** The TXT records at {@code name}, each as its strings joined; empty when there are none. */
    public Uni<List<String>> txt(String name) {
        return ask(name, Type.TXT).map(records -> {
            List<String> texts = new ArrayList<>();
            for (Record r : records) {
                if (r instanceof TXTRecord txt) {
                    texts.add(String.join("", txt.getStrings()));
                }
            }
            return texts;
        });
    }

    /** The CNAME target of {@code name} without the final dot, lower-cased; null when there is none. */
    public Uni<String> cname(String name) {
        return ask(name, Type.CNAME).map(records -> {
            for (Record r : records) {
                if (r instanceof CNAMERecord cname) {
                    String target = cname.getTarget().toString(true);
                    return target.toLowerCase(java.util.Locale.ROOT);
                }
            }
            return null;
        });
    }

    private Uni<List<Record>> ask(String name, int type) {
        Message query;
        try {
            query = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        } catch (TextParseException e) {
            return Uni.createFrom().failure(new Unanswered("not a DNS name: " + name));
        }
        return Uni.createFrom()
                .completionStage(() -> resolver.sendAsync(query))
                .onFailure()
                .transform(e -> new Unanswered("no answer for " + name + " (" + type(type) + ") in time"))
                .map(response -> {
                    int rcode = response.getRcode();
                    if (rcode == Rcode.NXDOMAIN) {
                        return List.<Record>of();
                    }
                    if (rcode != Rcode.NOERROR) {
                        throw new Unanswered(name + " (" + type(type) + "): " + Rcode.string(rcode));
                    }
                    return response.getSection(Section.ANSWER);
                });
    }

    private static String type(int type) {
        return Type.string(type);
    }
}
