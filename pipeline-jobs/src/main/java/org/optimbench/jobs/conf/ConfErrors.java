package org.optimbench.jobs.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every error found in a conf file, its overrides and the runs of its sweep, reported together so a
 * user fixes them in one pass. Each error is one line, {@code <file>: <key>: <reason>}; an error in
 * some runs of a sweep but not all names the run ({@code <file>: run <name>: <key>: <reason>}),
 * while an error every run shares is reported once. {@link #key()} is the first error's key.
 */
public final class ConfErrors extends ConfException {
  private static final long serialVersionUID = 1L;
  private final List<ConfException> errors;
  private final List<String> lines;

  private ConfErrors(List<ConfException> errors, List<String> lines) {
    super(errors.get(0).key(), errors.get(0).reason());
    this.errors = List.copyOf(errors);
    this.lines = List.copyOf(lines);
  }

  /** The errors, first found first. */
  public List<ConfException> errors() {
    return errors;
  }

  /** One line per error, as printed. */
  public List<String> lines() {
    return lines;
  }

  @Override
  public String getMessage() {
    return String.join("\n", lines);
  }

  /** A conf with a single error (an unreadable file). */
  static ConfErrors single(String file, ConfException e) {
    return new ConfErrors(List.of(e), List.of(file + ": " + e.getMessage()));
  }

  /** Collects errors while a conf is loaded. */
  static final class Collector {
    private final String file;
    private final List<ConfException> global = new ArrayList<>();

    /** Per error line, the runs that have it (in order). */
    private final Map<String, List<String>> perRun = new LinkedHashMap<>();

    private final Map<String, ConfException> byLine = new LinkedHashMap<>();
    private int runs;

    Collector(String file) {
      this.file = file;
    }

    void add(ConfException e) {
      global.add(e);
    }

    /** The errors of run {@code run} (possibly none): called once for every run. */
    void addAll(String run, List<ConfException> problems) {
      runs++;
      for (ConfException e : problems) {
        perRun.computeIfAbsent(e.getMessage(), k -> new ArrayList<>()).add(run);
        byLine.putIfAbsent(e.getMessage(), e);
      }
    }

    void throwIfAny() {
      List<ConfException> all = new ArrayList<>(global);
      List<String> lines = new ArrayList<>();
      for (ConfException e : global) lines.add(file + ": " + e.getMessage());
      for (Map.Entry<String, List<String>> e : perRun.entrySet()) {
        all.add(byLine.get(e.getKey()));
        if (e.getValue().size() == runs) {
          lines.add(file + ": " + e.getKey());
        } else {
          for (String run : e.getValue()) lines.add(file + ": run " + run + ": " + e.getKey());
        }
      }
      if (!all.isEmpty()) throw new ConfErrors(all, lines);
    }
  }
}
