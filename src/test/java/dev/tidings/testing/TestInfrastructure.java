package dev.tidings.testing;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

/**
 * The real infrastructure every {@code @QuarkusTest} runs against: PostgreSQL, a Kafka broker and
 * an SMTP server, each over TCP. Declared once here for the whole suite.
 */
@WithTestResource(value = PostgresTestDatabase.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = KafkaTestBroker.class, scope = TestResourceScope.GLOBAL)
@WithTestResource(value = SmtpTestServer.class, scope = TestResourceScope.GLOBAL)
public final class TestInfrastructure {

    private TestInfrastructure() {}
}
