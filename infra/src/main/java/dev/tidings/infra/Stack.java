package dev.tidings.infra;

import java.util.Arrays;

/**
 * Entry point of the local infrastructure. Each component runs in the foreground of its own JVM
 * until it is stopped (SIGTERM or Ctrl-C), so tests and scripts can start, kill and restart them
 * independently of the application.
 *
 * <pre>
 *   Stack kafka     --port 19092 --controller-port 19093 --dir target/kafka [--partitions 12]
 *   Stack postgres  --port 55432 --dir target/pg [--database tidings] [--preload pg_stat_statements]
 *   Stack greenmail --smtp-port 3025 --api-port 8025
 *   Stack platform  [--app-port 8080] [--keep-data] [--no-app] [--dev]
 *   Stack sink      --port 2525 --log target/sink.log [--soft-percent 10] [--hard-percent 1]
 * </pre>
 */
public final class Stack {

    private Stack() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            return;
        }
        Options options = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "kafka" -> KafkaBroker.run(options);
            case "postgres" -> EmbeddedPostgresServer.run(options);
            case "greenmail" -> GreenMailServer.run(options);
            case "platform" -> LocalPlatform.run(options);
            case "sink" -> RecordingSink.run(options);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: Stack kafka|postgres|greenmail|platform|sink [--option value ...]");
        System.exit(2);
    }
}
