package dev.hermesfront.conformance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The conformance runner depends on protocol only (it talks to gateways by URL; only its tests run the gateway and
 * the stand-in agents in-process), and its packages are free of cycles. The other modules' rules are gateway's
 * ArchitectureTest.
 */
class ConformanceArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.hermesfront.conformance");

    @Test
    void runnerDependsOnProtocolOnly() {
        noClasses().that().resideInAPackage("dev.hermesfront.conformance..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.hermesfront.bridge..", "dev.hermesfront.gateway..")
                .check(MAIN);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass c) {
                return SliceIdentifier.of(c.getPackageName());
            }

            @Override
            public String getDescription() {
                return "packages of dev.hermesfront.conformance";
            }
        }).should().beFreeOfCycles().allowEmptyShould(true).check(MAIN);
    }
}
