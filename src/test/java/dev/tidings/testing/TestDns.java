package dev.tidings.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * A real DNS server over UDP for the tests (no internet here): answers TXT and CNAME questions
 * from records a test publishes, NXDOMAIN for names it has none for. Runs on the port the test
 * profile gives {@code tidings.sender.dns-servers} (127.0.0.1:{@value #PORT}); one per JVM.
 */
public final class TestDns {

    public static final int PORT = 25353;

    private static TestDns running;

    private final DatagramSocket socket;
    private final Map<String, List<Record>> records = new ConcurrentHashMap<>();
    private final AtomicInteger questions = new AtomicInteger();

    private TestDns() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT));
        Thread thread = new Thread(this::serve, "test-dns");
        thread.setDaemon(true);
        thread.start();
    }

    public static synchronized TestDns start() {
        if (running == null) {
            try {
                running = new TestDns();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the test DNS server on port " + PORT, e);
            }
        }
        return running;
    }

    /** Publishes a TXT record (split into 255-byte strings, as a DNS host does with a long DKIM key). */
    public TestDns txt(String name, String value) {
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) {
            strings.add(value.substring(i, Math.min(value.length(), i + 255)));
        }
        add(name, new TXTRecord(name(name), DClass.IN, 300, strings));
        return this;
    }

    public TestDns cname(String name, String target) {
        add(name, new CNAMERecord(name(name), DClass.IN, 300, name(target)));
        return this;
    }

    /** Removes every record at {@code name}. */
    public TestDns remove(String name) {
        records.remove(key(name));
        return this;
    }

    public int questions() {
        return questions.get();
    }

    private void add(String name, Record record) {
        records.computeIfAbsent(key(name), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(record);
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                questions.incrementAndGet();
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                Message reply = answer(query);
                byte[] out = reply.toWire(4096);
                socket.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // A malformed question: no answer, as a server would do.
            }
        }
    }

    private Message answer(Message query) {
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            reply.getHeader().setFlag(Flags.RD);
        }
        Record question = query.getQuestion();
        reply.addRecord(question, Section.QUESTION);
        List<Record> at = records.get(key(question.getName().toString()));
        if (at == null) {
            reply.getHeader().setRcode(Rcode.NXDOMAIN);
            return reply;
        }
        for (Record r : at) {
            if (r.getType() == question.getType() || r.getType() == Type.CNAME) {
                reply.addRecord(r, Section.ANSWER);
            }
        }
        return reply;
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (org.xbill.DNS.TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }
}
