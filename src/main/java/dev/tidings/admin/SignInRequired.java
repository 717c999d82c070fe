package dev.tidings.admin;

/** An admin page was asked for without a valid session: the answer sends the browser to sign in. */
final class SignInRequired extends RuntimeException {

    SignInRequired() {
        super("sign in required", null, false, false);
    }
}
