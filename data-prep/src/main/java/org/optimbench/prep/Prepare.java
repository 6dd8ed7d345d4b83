package org.optimbench.prep;

import org.optimbench.prep.common.Sparks;
import org.optimbench.prep.criteo.CriteoJob;
import org.optimbench.prep.criteo.GenerateCriteoCommand;
import org.optimbench.prep.libsvm.LibsvmJob;
import org.optimbench.prep.text.TextJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one CLI: {@code prepare libsvm|criteo|text|generate-criteo [options]}; see {@code --help}.
 */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    description =
        "Turn raw LIBSVM, Criteo and text data into training-ready Parquet with a manifest.json.",
    subcommands = {LibsvmJob.class, CriteoJob.class, TextJob.class, GenerateCriteoCommand.class})
public final class Prepare implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Sparks.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Prepare()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a command is required: libsvm, criteo, text or generate-criteo");
  }
}
