package dev.tidings.admin;

import java.util.UUID;

/** The signed-in writer of an admin request, and the form token of their pages. */
public record Writer(UUID accountId, String email, String csrf) {}
