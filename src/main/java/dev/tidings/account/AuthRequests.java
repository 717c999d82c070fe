package dev.tidings.account;

import dev.tidings.common.ValidEmail;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Bodies of the {@code /api/auth} requests. */
public final class AuthRequests {

    private AuthRequests() {}

    public record Signup(
            @ValidEmail String email,
            @NotNull @Size(min = 10, max = 128, message = "must be 10 to 128 characters") String password,
            @Size(max = 100, message = "must be at most 100 characters") String name) {}

    public record Verify(@ValidEmail String email, @NotNull String code) {}

    public record Login(
            @ValidEmail String email,
            @NotNull @Size(max = 1024, message = "must be at most 1024 characters") String password) {}

    public record PasswordReset(@ValidEmail String email) {}

    public record PasswordResetConfirm(
            @ValidEmail String email,
            @NotNull String code,
            @NotNull @Size(min = 10, max = 128, message = "must be 10 to 128 characters") String newPassword) {}

    public record Status(String status) {}

    /** POST /api/tokens (and the admin's token form). */
    public record CreateToken(@NotBlank @Size(max = 100, message = "must be at most 100 characters") String name) {}
}
