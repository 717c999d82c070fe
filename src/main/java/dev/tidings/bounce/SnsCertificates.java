package dev.tidings.bounce;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * SNS signing certificates, fetched (without blocking a thread) from URLs the caller has checked
 * against {@code tidings.webhooks.ses.url-pattern}, and kept a day (at most 16): SNS signs with a
 * handful of certificates, so a burst of notifications fetches each once. Also follows a
 * subscription's confirmation URL.
 */
@ApplicationScoped
public class SnsCertificates {

    private static final int MAX_BYTES = 64 * 1024;

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final AsyncCache<String, X509Certificate> cache = Caffeine.newBuilder()
            .maximumSize(16)
            .expireAfterWrite(Duration.ofDays(1))
            .buildAsync();

    /** The certificate at {@code url}; fails when it cannot be had or read. */
    public Uni<X509Certificate> get(String url) {
        return Uni.createFrom()
                .completionStage(
                        () -> cache.get(url, (key, executor) -> fetch(key).thenApply(bytes -> {
                            try {
                                return (X509Certificate) CertificateFactory.getInstance("X.509")
                                        .generateCertificate(new ByteArrayInputStream(bytes));
                            } catch (java.security.cert.CertificateException | ClassCastException e) {
                                throw new IllegalStateException("not an X.509 certificate: " + url);
                            }
                        })));
    }

    /** Visits a subscription's confirmation URL (a GET, as SNS asks). */
    public Uni<Integer> confirm(String url) {
        return Uni.createFrom()
                .completionStage(() -> http.sendAsync(request(url), HttpResponse.BodyHandlers.discarding())
                        .thenApply(HttpResponse::statusCode));
    }

    private java.util.concurrent.CompletableFuture<byte[]> fetch(String url) {
        return http.sendAsync(request(url), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> {
                    if (response.statusCode() != 200 || response.body().length > MAX_BYTES) {
                        throw new IllegalStateException("the signing certificate could not be fetched: " + url);
                    }
                    return response.body();
                });
    }

    private static HttpRequest request(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
    }
}
