package dev.tidings.common;

import java.time.Duration;

/** Limits as a writer reads them in an error message: "2 MiB", "512 KiB", "10 minutes", "2 seconds". */
public final class Units {

    private static final long MIB = 1024 * 1024;

    private Units() {}

    /** MiB when a whole number of them, else KiB (rounded down). */
    public static String bytes(long bytes) {
        return bytes >= MIB && bytes % MIB == 0 ? bytes / MIB + " MiB" : bytes / 1024 + " KiB";
    }

    /** Minutes when a whole number of them, else seconds. */
    public static String duration(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds >= 86_400 && seconds % 86_400 == 0) {
            return seconds / 86_400 + (seconds == 86_400 ? " day" : " days");
        }
        if (seconds >= 3_600 && seconds % 3_600 == 0) {
            return seconds / 3_600 + (seconds == 3_600 ? " hour" : " hours");
        }
        return seconds >= 60 && seconds % 60 == 0
                ? seconds / 60 + (seconds == 60 ? " minute" : " minutes")
                : seconds + (seconds == 1 ? " second" : " seconds");
    }
}
