package dev.hermesfront.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the house in order (issue 25): no package of protocol, tui-bridge or gateway depends, directly or through
 * others, on a package that depends on it; and the modules stay layered, protocol ← tui-bridge ← gateway, none of
 * them reaching the conformance runner. The conformance module's own rules are in its ConformanceArchitectureTest.
 * A new cycle fails here with the classes that make it; break it by moving what both sides need to a package
 * below both (docs/architecture.md, "Packages").
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hermesfront.protocol", "dev.hermesfront.bridge", "dev.hermesfront.gateway");
    }

    /** Every package is a slice of its own (a root package like dev.hermesfront.gateway included). */
    static final SliceAssignment BY_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            return SliceIdentifier.of(c.getPackageName());
        }

        @Override
        public String getDescription() {
            return "packages of dev.hermesfront";
        }
    };

    @Test
    void packagesAreFreeOfCycles() {
        slices().assignedFrom(BY_PACKAGE).should().beFreeOfCycles().check(classes);
    }

    @Test
    void protocolDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("dev.hermesfront.protocol..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.hermesfront.bridge..", "dev.hermesfront.gateway..", "dev.hermesfront.conformance..")
                .check(classes);
    }

    @Test
    void bridgeDependsOnProtocolOnly() {
        noClasses().that().resideInAPackage("dev.hermesfront.bridge..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.hermesfront.gateway..", "dev.hermesfront.conformance..")
                .check(classes);
    }

    @Test
    void gatewayNeverReachesTheConformanceRunner() {
        noClasses().that().resideInAPackage("dev.hermesfront.gateway..").should().dependOnClassesThat()
                .resideInAPackage("dev.hermesfront.conformance..")
                .check(classes);
    }
}
