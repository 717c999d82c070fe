package dev.tidings.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dependency rules of ARCHITECTURE.md, checked on the compiled classes. */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void read() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.tidings");
    }

    @Test
    void issueNeverUsesDelivery() {
        noClasses()
                .that()
                .resideInAPackage("dev.tidings.issue..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.delivery..")
                .check(classes);
    }

    @Test
    void onlyResourcesUseTheWebLayer() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.tidings.account..",
                        "dev.tidings.newsletter..",
                        "dev.tidings.subscriber..",
                        "dev.tidings.issue..",
                        "dev.tidings.delivery..",
                        "dev.tidings.engagement..",
                        "dev.tidings.sender..",
                        "dev.tidings.bounce..",
                        "dev.tidings.demo..",
                        "dev.tidings.ops..")
                .and()
                .haveSimpleNameNotEndingWith("Resource")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.web..")
                .check(classes);
    }

    @Test
    void commonAndConfigUseNoFeatureAndNoWeb() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.tidings.common..", "dev.tidings.config..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.tidings.web..",
                        "dev.tidings.account..",
                        "dev.tidings.newsletter..",
                        "dev.tidings.subscriber..",
                        "dev.tidings.issue..",
                        "dev.tidings.delivery..",
                        "dev.tidings.engagement..",
                        "dev.tidings.sender..",
                        "dev.tidings.bounce..")
                .check(classes);
    }

    /** Sender identity sits on accounts and newsletters; delivery (and the admin) ask it, never the reverse. */
    @Test
    void senderDomainsUseOnlyAccountsAndNewsletters() {
        noClasses()
                .that()
                .resideInAPackage("dev.tidings.sender..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.tidings.subscriber..",
                        "dev.tidings.issue..",
                        "dev.tidings.delivery..",
                        "dev.tidings.engagement..",
                        "dev.tidings.bounce..")
                .check(classes);
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.tidings.account..",
                        "dev.tidings.newsletter..",
                        "dev.tidings.subscriber..",
                        "dev.tidings.issue..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.sender..")
                .check(classes);
    }

    /** Returned mail and provider webhooks sit above delivery: only the admin may use them. */
    @Test
    void nothingButTheAdminUsesTheBouncePackage() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.tidings.bounce..", "dev.tidings.admin..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.bounce..")
                .check(classes);
    }

    @Test
    void onlyTheDeliveryPackageWritesThroughTheSmtpTransport() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.tidings.delivery..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.delivery.smtp..")
                .check(classes);
    }

    @Test
    void newslettersAndAccountsDoNotReachIntoLaterFeatures() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.tidings.account..", "dev.tidings.newsletter..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.tidings.subscriber..",
                        "dev.tidings.issue..",
                        "dev.tidings.delivery..",
                        "dev.tidings.engagement..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("dev.tidings.subscriber..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.tidings.issue..", "dev.tidings.delivery..", "dev.tidings.engagement..")
                .check(classes);
    }

    @Test
    void engagementSitsAboveDeliveryAndNothingButTheAdminUsesIt() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.tidings.issue..", "dev.tidings.delivery..", "dev.tidings.web..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.engagement..")
                .check(classes);
    }

    @Test
    void nothingButTheAdminUsesTheAdmin() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.tidings.admin..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.tidings.admin..")
                .check(classes);
    }

    /** Pages call the services, as the JSON API does: no table access, no SQL of their own. */
    @Test
    void adminPagesUseServicesNotTables() {
        noClasses()
                .that()
                .resideInAPackage("dev.tidings.admin..")
                .should()
                .dependOnClassesThat()
                .haveSimpleNameEndingWith("Repository")
                .orShould()
                .dependOnClassesThat()
                .haveSimpleNameEndingWith("Store")
                .orShould()
                .dependOnClassesThat()
                .haveSimpleNameEndingWith("Lifecycle")
                .orShould()
                .dependOnClassesThat()
                .resideInAPackage("io.vertx.mutiny.sqlclient..")
                .check(classes);
    }
}
