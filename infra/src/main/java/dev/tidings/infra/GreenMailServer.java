package dev.tidings.infra;

import java.util.List;

/**
 * GreenMail standalone: an SMTP server that accepts any address, with an HTTP API and page that
 * show what it received ({@code GET /api/user/{email}/messages/}).
 */
final class GreenMailServer {

    private GreenMailServer() {}

    static void run(Options options) throws Exception {
        Process process = new ProcessBuilder(command(options)).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        System.exit(process.waitFor());
    }

    static List<String> command(Options options) {
        int smtpPort = options.intValue("smtp-port", 3025);
        int apiPort = options.intValue("api-port", 8025);
        return List.of(
                Java.executable(),
                "-Xmx256m",
                "-Dgreenmail.smtp.port=" + smtpPort,
                "-Dgreenmail.smtp.hostname=127.0.0.1",
                "-Dgreenmail.hostname=127.0.0.1",
                "-Dgreenmail.auth.disabled",
                "-Dgreenmail.api.port=" + apiPort,
                "-Dgreenmail.api.hostname=127.0.0.1",
                "-jar",
                Java.greenMailJar().toString());
    }
}
