package org.optimbench.jobs.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.optimbench.jobs.conf.RunConf;
import picocli.CommandLine;

/**
 * Keeps BENCHMARKS.md's commands runnable: every section opens with a headline table (what,
 * command, machine, date, result, target), and every command in those tables names an executable
 * script whose arguments the program behind it accepts. The check runs nothing heavy: it reads the
 * script to find the main class it runs and asks that class's own argument parsing (picocli's, or
 * the bench's static {@code checkArgs(String[])}); conf-driven scripts have their confs loaded with
 * the arguments as overrides; {@code scripts/cost-model} (standard-library Python, instant) is run.
 * A renamed bench case, option or script therefore fails here, not when someone reruns a benchmark.
 */
class BenchmarksDocTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final String HEADER = "| what | command | machine | date | result | target |";

  /** Sections that hold ad-hoc measurements, not benchmark commands. */
  static final Set<String> NO_COMMANDS = Set.of("Measurements behind code choices");

  record Row(int line, String section, String command, String date) {}

  @Test
  void everySectionOpensWithAHeadlineTableOfDatedRows() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("BENCHMARKS.md"));
    List<String> sections = new ArrayList<>();
    for (String l : lines) if (l.startsWith("## ")) sections.add(l.substring(3));
    assertFalse(sections.isEmpty(), "BENCHMARKS.md has no sections");
    Set<String> withRows = new LinkedHashSet<>();
    for (Row r : rows(lines)) {
      withRows.add(title(r.section()));
      assertTrue(
          r.date().matches("\\d{4}-\\d{2}-\\d{2}"),
          "line " + r.line() + ": date '" + r.date() + "' is not YYYY-MM-DD");
    }
    for (String s : sections)
      if (!NO_COMMANDS.contains(s))
        assertTrue(withRows.contains(title(s)), "section '" + s + "' has no headline table");
  }

  @Test
  void everyBenchScriptHasARow() throws IOException {
    Set<String> scripts = new LinkedHashSet<>();
    for (Row r : rows(Files.readAllLines(ROOT.resolve("BENCHMARKS.md"))))
      scripts.add(script(tokens(r.command())));
    try (Stream<Path> s = Files.list(ROOT.resolve("scripts"))) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("bench-")).toList())
        assertTrue(
            scripts.contains("scripts/" + p.getFileName()),
            "scripts/" + p.getFileName() + " has no row in BENCHMARKS.md");
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCommandIsAccepted() throws IOException {
    List<Row> rows = rows(Files.readAllLines(ROOT.resolve("BENCHMARKS.md")));
    assertFalse(rows.isEmpty(), "no commands found in BENCHMARKS.md's headline tables");
    return rows.stream()
        .map(
            r ->
                DynamicTest.dynamicTest(
                    "line " + r.line() + ": " + r.command(), () -> check(r.command())));
  }

  /**
   * {@code scripts/bench-optim} at smoke size (1,000 parameters, one step, no warm-up) in this JVM:
   * every registered optimizer with a contract spec still runs in the benchmark. A second class
   * loader gives the bench a fresh class, so it reads the step counts set here.
   */
  @Test
  void benchOptimRunsEveryOptimizerAtSmokeSize() throws Exception {
    Path classes = ROOT.resolve("optim/target/test-classes");
    assertTrue(Files.isDirectory(classes), "optim's test classes are not built");
    String[] keys = {"bench.warmup", "bench.steps"};
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    try (URLClassLoader loader =
        new URLClassLoader(
            new URL[] {classes.toUri().toURL()}, BenchmarksDocTest.class.getClassLoader())) {
      System.setProperty(keys[0], "0");
      System.setProperty(keys[1], "1");
      System.setOut(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
      Class.forName("org.optimbench.optim.bench.BenchOptim", true, loader)
          .getMethod("main", String[].class)
          .invoke(null, (Object) new String[] {"1000"});
    } finally {
      System.setOut(out);
      for (String k : keys) System.clearProperty(k);
    }
    String text = buf.toString(StandardCharsets.UTF_8);
    assertFalse(text.contains("not run:") || text.contains("no contract spec"), text);
    for (String name : org.optimbench.optim.registry.OptimizerRegistry.entries().keySet())
      assertTrue(
          Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s").matcher(text).find(),
          name + " is missing from the bench's output:\n" + text);
  }

  /** The check can fail: an argument no program of the tables accepts is rejected by each. */
  @Test
  void anUnknownArgumentIsRejectedByEveryScript() throws IOException {
    Set<String> scripts = new LinkedHashSet<>();
    for (Row r : rows(Files.readAllLines(ROOT.resolve("BENCHMARKS.md"))))
      scripts.add(script(tokens(r.command())));
    for (String s : scripts)
      assertThrows(
          AssertionError.class,
          () -> check(s + " --no-such-argument"),
          s + " accepted --no-such-argument");
    assertThrows(AssertionError.class, () -> check("scripts/bench-train dlrm-huge"));
    assertThrows(AssertionError.class, () -> check("scripts/bench-optim 0"));
    assertThrows(AssertionError.class, () -> check("scripts/bench-no-such-script"));
    assertThrows(AssertionError.class, () -> check("NO_SUCH_VARIABLE=1 scripts/bench-optim"));
  }

  @Test
  void headlineRowsAreParsedFromTheTablesOnly() {
    List<String> md =
        List.of(
            "## A (`scripts/a`)",
            "",
            HEADER,
            "|---|---|---|---|---|---|",
            "| x | `scripts/a 1`, then `X=2 scripts/b \"q r\"` | vm | 2026-01-02 | 3 | 4 |",
            "| y | same command | vm | 2026-01-03 | 3 | 4 |",
            "",
            "| other | table |",
            "| `scripts/c` | z |");
    List<Row> rows = rows(md);
    assertEquals(2, rows.size());
    assertEquals("scripts/a 1", rows.get(0).command());
    assertEquals("X=2 scripts/b \"q r\"", rows.get(1).command());
    assertEquals(List.of("X=2", "scripts/b", "q r"), tokens(rows.get(1).command()));
    assertEquals("A", title(rows.get(0).section()));
  }

  // ---- parsing ----

  /** The commands of every headline table, one row per command. */
  static List<Row> rows(List<String> lines) {
    List<Row> out = new ArrayList<>();
    Pattern code = Pattern.compile("`([^`]+)`");
    for (MarkdownTables.Row t : MarkdownTables.rows(lines, HEADER, "BENCHMARKS.md")) {
      String command = t.cells().get(1);
      String date = t.cells().get(3);
      Matcher m = code.matcher(command);
      boolean any = false;
      while (m.find()) {
        out.add(new Row(t.line(), t.section(), m.group(1), date));
        any = true;
      }
      if (!any && !command.matches("(same|both) .*"))
        fail("BENCHMARKS.md line " + t.line() + ": no `command` in '" + command + "'");
    }
    return out;
  }

  /** A section heading without its parenthesized script, e.g. "Optimizer step". */
  static String title(String section) {
    return section.replaceFirst("\\s*\\(`[^`]*`\\)$", "");
  }

  /** Whitespace-separated words; double quotes group words and are removed. */
  static List<String> tokens(String command) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean quoted = false;
    boolean started = false;
    for (char c : command.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        started = true;
      } else if (Character.isWhitespace(c) && !quoted) {
        if (started) out.add(w.toString());
        w.setLength(0);
        started = false;
      } else {
        w.append(c);
        started = true;
      }
    }
    if (quoted) throw new AssertionError("unbalanced quote in: " + command);
    if (started) out.add(w.toString());
    return out;
  }

  /** The script a command runs: the first word after its environment assignments. */
  static String script(List<String> tokens) {
    for (String t : tokens) if (!t.matches("[A-Z_][A-Z0-9_]*=.*")) return t;
    throw new AssertionError("no script in " + tokens);
  }

  // ---- checking ----

  /** Fails (AssertionError) unless {@code command} would start with the arguments it gives. */
  static void check(String command) throws Exception {
    List<String> t = tokens(command);
    String script = script(t);
    int at = t.indexOf(script);
    List<String> env = t.subList(0, at);
    List<String> args = t.subList(at + 1, t.size());
    assertTrue(script.startsWith("scripts/"), script + ": not a script under scripts/");
    Path file = ROOT.resolve(script);
    assertTrue(Files.isRegularFile(file), script + " does not exist");
    assertTrue(Files.isExecutable(file), script + " is not executable");
    String text = Files.readString(file);
    String context = text + read("scripts/lib.sh") + read("scripts/prepare");
    for (String e : env) {
      String name = e.substring(0, e.indexOf('='));
      assertTrue(context.contains(name), script + " does not read " + name);
    }
    if (text.startsWith("#!/usr/bin/env python3")) {
      python(script, args);
      return;
    }
    Matcher confs = Pattern.compile("conf/experiments/[\\w.-]+\\.ya?ml").matcher(text);
    if (script.startsWith("scripts/experiments/")) {
      List<Path> files = new ArrayList<>();
      while (confs.find()) files.add(ROOT.resolve(confs.group()));
      assertFalse(files.isEmpty(), script + " names no conf/experiments/*.yaml");
      for (Path conf : files) conf(script, conf, args);
      return;
    }
    if (script.equals("scripts/run-pipeline") || script.equals("scripts/train")) {
      assertFalse(args.isEmpty(), script + " needs a conf");
      conf(script, ROOT.resolve(args.get(0)), args.subList(1, args.size()));
      return;
    }
    java(script, text, args);
  }

  /** The conf exists and loads with {@code overrides}, each a dotted.key=value. */
  static void conf(String script, Path conf, List<String> overrides) {
    assertTrue(Files.isRegularFile(conf), script + ": no conf " + ROOT.relativize(conf));
    for (String o : overrides)
      assertTrue(o.matches("[\\w.]+=.*"), script + ": '" + o + "' is not a dotted.key=value");
    try {
      RunConf.load(conf, overrides);
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(script + ": " + ROOT.relativize(conf) + " with " + overrides, e);
    }
  }

  /** The main class the script runs, asked to parse {@code args}. */
  static void java(String script, String text, List<String> args) throws Exception {
    Matcher bench = Pattern.compile("PREPARE_MAIN=([\\w.]+)").matcher(text);
    Matcher run = Pattern.compile("run_main\\s+(\\S+)\\s+(\\S+)").matcher(text);
    String module;
    String main;
    if (bench.find()) {
      module = "data-prep";
      main = bench.group(1);
    } else if (run.find()) {
      module = run.group(1);
      main = run.group(2).replaceFirst("^\"?\\$\\{\\w+:-([\\w.]+)}\"?$", "$1");
    } else {
      throw new AssertionError(script + " runs no main class this test knows how to find");
    }
    Class<?> c = load(module, main, script);
    String[] a = args.toArray(String[]::new);
    try {
      if (c.isAnnotationPresent(CommandLine.Command.class)) {
        commandLine(c).parseArgs(a);
      } else {
        Method m = c.getMethod("checkArgs", String[].class);
        m.invoke(null, (Object) a);
      }
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError(script + " " + args + ": " + e.getMessage(), e);
    } catch (InvocationTargetException e) {
      throw new AssertionError(script + " " + args + ": " + e.getCause().getMessage(), e);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(
          main + " has neither picocli options nor a static checkArgs(String[])", e);
    }
  }

  /** The class's own command line: its static {@code commandLine()} where it has one. */
  static CommandLine commandLine(Class<?> c) throws Exception {
    try {
      return (CommandLine) c.getMethod("commandLine").invoke(null);
    } catch (NoSuchMethodException e) {
      return new CommandLine(c);
    }
  }

  /**
   * The main class, from this module's classpath, or from {@code MODULE/target/test-classes}: the
   * benches of other modules live in their test sources, which this module's tests do not see (the
   * build compiles them before this module's tests run).
   */
  static Class<?> load(String module, String main, String script) throws Exception {
    ClassLoader here = BenchmarksDocTest.class.getClassLoader();
    try {
      return Class.forName(main, false, here);
    } catch (ClassNotFoundException e) {
      Path classes = ROOT.resolve(module).resolve("target/test-classes");
      assertTrue(
          Files.isDirectory(classes),
          script + ": " + main + " not found and " + ROOT.relativize(classes) + " not built");
      URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, here);
      try {
        return Class.forName(main, false, loader);
      } catch (ClassNotFoundException e2) {
        throw new AssertionError(script + " runs " + main + ", which does not exist", e2);
      }
    }
  }

  /** Runs a standard-library Python script with {@code args}; it must exit 0. */
  static void python(String script, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", script));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " did not finish");
    assertEquals(
        0,
        p.exitValue(),
        String.join(" ", cmd) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
  }

  static String read(String path) throws IOException {
    Path p = ROOT.resolve(path);
    return Files.exists(p) ? Files.readString(p) : "";
  }
}
