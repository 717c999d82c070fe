/** Every {@code tidings.*} setting, as one {@code @ConfigMapping} ({@link dev.tidings.config.TidingsConfig}). */
package dev.tidings.config;
