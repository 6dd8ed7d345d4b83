package org.optimbench.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import org.optimbench.jobs.fs.Location;

/**
 * Where a run stands, as kept in {@code status.json}: its state, the last step it reached, a reason
 * for FAILED and DIVERGED, and when the status was written.
 *
 * <p>COMPLETED is written last, after the final checkpoint and metrics are on disk, so a COMPLETED
 * status implies a complete directory. RUNNING only says that a process started: when that process
 * was killed the status stays RUNNING, which is why a run is "incomplete" unless its status is
 * {@link #isFinal final}.
 */
public record RunStatus(State state, long step, String reason, Instant updatedAt) {
  public static final String FILE = "status.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum State {
    RUNNING,
    COMPLETED,
    FAILED,
    DIVERGED
  }

  public RunStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    boolean needsReason = state == State.FAILED || state == State.DIVERGED;
    if (needsReason && (reason == null || reason.isBlank()))
      throw new IllegalArgumentException(state + " needs a reason");
    if (reason == null) reason = "";
  }

  public static RunStatus running(long step) {
    return new RunStatus(State.RUNNING, step, "", Instant.now());
  }

  public static RunStatus completed(long step) {
    return new RunStatus(State.COMPLETED, step, "", Instant.now());
  }

  public static RunStatus failed(long step, String reason) {
    return new RunStatus(State.FAILED, step, reason, Instant.now());
  }

  public static RunStatus diverged(long step, String reason) {
    return new RunStatus(State.DIVERGED, step, reason, Instant.now());
  }

  /**
   * COMPLETED or DIVERGED: an outcome of the method that a re-run would reproduce, so a sweep skips
   * it. FAILED is not final: failures (a lost executor, a full disk, input since fixed) are not
   * properties of the method, and a re-run retries from the last checkpoint.
   */
  public boolean isFinal() {
    return state == State.COMPLETED || state == State.DIVERGED;
  }

  /** Writes {@code <runDir>/status.json} as an atomic replacement ({@link Location#replace}). */
  public void write(Location runDir) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("state", state.name());
    o.put("step", step);
    o.put("reason", reason);
    o.put("updated_at", updatedAt.toString());
    runDir
        .resolve(FILE)
        .replace(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
  }

  /** {@link #write(Location)} into a local run directory. */
  public void write(Path runDir) throws IOException {
    write(Location.local(runDir));
  }

  /** {@link #read(Location)} of a local run directory. */
  public static Optional<RunStatus> read(Path runDir) throws IOException {
    return read(Location.local(runDir));
  }

  /**
   * The status in {@code runDir}, empty when there is none; a status file that cannot be read is an
   * error naming it.
   */
  public static Optional<RunStatus> read(Location runDir) throws IOException {
    Location file = runDir.resolve(FILE);
    Optional<String> text = file.readStringIfExists();
    if (text.isEmpty()) return Optional.empty();
    try {
      JsonNode o = JSON.readTree(text.get());
      if (o == null || !o.isObject()) throw new RunFileException(file, "expected a JSON object");
      State state = State.valueOf(field(file, o, "state").asText());
      JsonNode step = field(file, o, "step");
      if (!step.canConvertToLong())
        throw new RunFileException(file, "step is not an integer: " + step);
      JsonNode reason = o.get("reason");
      return Optional.of(
          new RunStatus(
              state,
              step.asLong(),
              reason == null ? "" : reason.asText(),
              Instant.parse(field(file, o, "updated_at").asText())));
    } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
      throw new RunFileException(file, "unreadable status (" + e.getMessage() + ")", e);
    }
  }

  private static JsonNode field(Location file, JsonNode o, String name) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) throw new RunFileException(file, "missing field '" + name + "'");
    return v;
  }
}
