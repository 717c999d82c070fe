package dev.tidings.common;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request field that must hold an email address by the rules of {@link EmailAddress}, checked
 * with the body's other constraints so that one answer lists every wrong field.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = ValidEmail.Validator.class)
public @interface ValidEmail {
    String message() default "must be a valid email address";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Whether null (absent) is fine; blank is never. */
    boolean optional() default false;

    class Validator implements ConstraintValidator<ValidEmail, String> {
        private boolean optional;

        @Override
        public void initialize(ValidEmail annotation) {
            optional = annotation.optional();
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            if (value == null && optional) {
                return true;
            }
            String problem = EmailAddress.problemWith(value);
            if (problem == null) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.buildConstraintViolationWithTemplate(problem).addConstraintViolation();
            return false;
        }
    }
}
