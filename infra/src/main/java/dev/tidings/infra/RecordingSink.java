package dev.tidings.infra;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A fast SMTP sink (SubEthaSMTP) that records what it accepted: one line
 * {@code <Message-ID>\t<recipient>\t<epoch millis>} per accepted message, appended to {@code --log}
 * (buffered, flushed every 0.2 s and on shutdown). It can refuse
 * some recipients, decided deterministically from a hash of the address:
 * <ul>
 *   <li>{@code --hard-percent} of the addresses always get {@code 550} at RCPT (a permanent failure);
 *   <li>{@code --greylist-percent} of the addresses at {@code --greylist-domain} get {@code 451 4.7.1}
 *       at RCPT on their first attempt only (greylisting)
 *   <li>{@code --soft-percent} of the addresses get {@code 450} at RCPT on their first attempt only
 *       (a temporary failure that is not a throttling reply: 421/451/454 would pause the domain),
 *       and are accepted afterwards.
 * </ul>
 *
 * <pre>
 *   Stack sink --port 2525 --log target/sink.log [--soft-percent 10] [--hard-percent 1]
 * </pre>
 */
final class RecordingSink {

    private RecordingSink() {}

    static void run(Options options) throws Exception {
        int port = options.intValue("port", 2525);
        Path log = options.path("log", "target/sink.log");
        int softPercent = options.intValue("soft-percent", 0);
        int hardPercent = options.intValue("hard-percent", 0);
        int greylistPercent = options.intValue("greylist-percent", 0);
        String greylistDomain = options.value("greylist-domain", "");
        if (log.getParent() != null) {
            Files.createDirectories(log.getParent());
        }
        BufferedWriter writer = Files.newBufferedWriter(
                log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Object lock = new Object();
        Set<String> softRefused = ConcurrentHashMap.newKeySet();
        Set<String> greylisted = ConcurrentHashMap.newKeySet();
        AtomicLong grey = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong soft = new AtomicLong();
        AtomicLong hard = new AtomicLong();

        SMTPServer server = SMTPServer.port(port)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("sink.localhost")
                .maxConnections(4000)
                .messageHandlerFactory(context -> new MessageHandler() {
                    private String recipient;

                    @Override
                    public void from(String from) {}

                    @Override
                    public void recipient(String address) throws RejectException {
                        int bucket = bucket(address);
                        if (bucket < hardPercent) {
                            hard.incrementAndGet();
                            throw new RejectException(550, "5.1.1 <" + address + ">: mailbox unavailable (sink: hard)");
                        }
                        if (bucket < hardPercent + softPercent && softRefused.add(address.toLowerCase())) {
                            soft.incrementAndGet();
                            throw new RejectException(450, "4.2.0 <" + address + ">: try again later (sink: soft)");
                        }
                        String lower = address.toLowerCase();
                        if (greylistPercent > 0
                                && lower.endsWith("@" + greylistDomain)
                                && Math.floorMod(lower.hashCode() * 31 + 7, 100) < greylistPercent
                                && greylisted.add(lower)) {
                            grey.incrementAndGet();
                            throw new RejectException(451, "4.7.1 <" + address + ">: Greylisted, try again later (sink)");
                        }
                        recipient = address;
                    }

                    @Override
                    public String data(InputStream data) throws IOException {
                        String messageId = messageId(data);
                        data.transferTo(OutputStreamNull.INSTANCE);
                        synchronized (lock) {
                            writer.write(messageId);
                            writer.write('\t');
                            writer.write(String.valueOf(recipient));
                            writer.write('\t');
                            writer.write(Long.toString(System.currentTimeMillis()));
                            writer.write('\n');
                        }
                        accepted.incrementAndGet();
                        return null;
                    }

                    @Override
                    public void done() {}
                })
                .build();

        Thread flusher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(200);
                    synchronized (lock) {
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                        writer.flush();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    System.err.println("sink: flushing " + log + " failed: " + e);
                }
            }
        }, "sink-flusher");
        flusher.setDaemon(true);
        flusher.start();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            flusher.interrupt();
            synchronized (lock) {
                try {
                    writer.flush();
                    writer.close();
                } catch (IOException e) {
                    System.err.println("sink: closing " + log + " failed: " + e);
                }
            }
            System.out.printf("sink stopped: accepted=%d soft_refused=%d hard_refused=%d greylisted=%d%n",
                    accepted.get(), soft.get(), hard.get(), grey.get());
        }));

        server.start();
        System.out.printf("RecordingSink ready on 127.0.0.1:%d (log %s, soft %d%%, hard %d%%)%n",
                port, log, softPercent, hardPercent);
        System.out.flush();
        while (true) {
            Thread.sleep(10_000);
            System.out.printf("sink: accepted=%d soft_refused=%d hard_refused=%d greylisted=%d%n",
                    accepted.get(), soft.get(), hard.get(), grey.get());
        }
    }

    /** 0..99, stable per address (case-insensitive), spread by a 64-bit mix of its characters. */
    static int bucket(String address) {
        long h = 1125899906842597L;
        for (char c : address.toLowerCase().toCharArray()) {
            h = 31 * h + c;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, 100);
    }

    /** Reads the header block and returns the Message-ID (or "-" when there is none). */
    private static String messageId(InputStream data) throws IOException {
        String found = "-";
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = data.read()) != -1) {
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    end--;
                }
                if (end == 0) {
                    break; // end of the headers
                }
                String header = line.substring(0, end);
                if (header.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                    found = header.substring(11).trim();
                }
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        return found;
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
