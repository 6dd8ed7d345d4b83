package org.optimbench.jobs.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of the three modules' main code: no package cycles (every package sits
 * above or below each other one it touches, so a package can be read and tested with only what is
 * below it), the optim library's internals used only inside optim (its public API, such as {@code
 * optim.Reductions}, is what trainers call), and the optim library free of Spark, Hadoop and DL4J
 * networks.
 */
class ArchitectureTest {
  static JavaClasses main;

  @BeforeAll
  static void importClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("org.optimbench");
    // the rules below pass vacuously on classes they never saw: all three modules must be here
    for (String c :
        new String[] {
          "org.optimbench.optim.Optimizer",
          "org.optimbench.prep.Prepare",
          "org.optimbench.jobs.train.Train"
        }) {
      if (!main.contain(c)) throw new AssertionError(c + " was not imported from class folders");
    }
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("org.optimbench.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void optimInternalsStayInsideOptim() {
    noClasses()
        .that()
        .resideOutsideOfPackage("org.optimbench.optim..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.optimbench.optim.internal..")
        .check(main);
  }

  @Test
  void optimKnowsNothingOfSparkHadoopOrDl4jNetworks() {
    noClasses()
        .that()
        .resideInAPackage("org.optimbench.optim..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.spark..", "org.apache.hadoop..", "org.deeplearning4j..", "scala..")
        .check(main);
  }
}
