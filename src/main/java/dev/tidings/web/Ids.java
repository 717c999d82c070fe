package dev.tidings.web;

import dev.tidings.common.ProblemException;
import java.util.UUID;

/** Ids in paths. A malformed one cannot name anything, so it answers 404 like any unknown id. */
public final class Ids {

    private Ids() {}

    public static UUID parse(String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.notFound(what);
        }
    }
}
