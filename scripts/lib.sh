# Shared by the scripts in this folder: build a module when its sources changed, then run a main
# class on its classpath with the JVM flags ND4J and Spark need on Java 17.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JVM_FLAGS=(
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/sun.security.action=ALL-UNNAMED
  # The JDK's vector API, for the fused optimizer steps' direct passes and MADGRAD's cube root
  # (optim/.../internal/VectorMath.java); without it they take a slower plain-Java path to the same
  # bits. The JVM then prints one "Using incubator modules" line (run_java below drops it).
  --add-modules=jdk.incubator.vector
  # Logs (Spark's included, with stack traces) go to a file, the console keeps the jobs' own lines
  # (data-prep/src/main/resources/optimbench-log4j2.properties); OPTIMBENCH_LOG_DIR moves the files.
  -Dlog4j2.configurationFile=optimbench-log4j2.properties -Dspark.ui.enabled=false
)
LOG_DIR="${OPTIMBENCH_LOG_DIR:-$ROOT/work/logs}"

# A JVM given the vector API prints this line as it starts. It says nothing a user can act on, and
# the console is kept to the jobs' own lines (a bad input's error stays one line), so run_java drops
# it from the JVM's stderr.
INCUBATOR_LINE='WARNING: Using incubator modules: jdk.incubator.vector'

# run_java CMD...: runs CMD (a JVM, or spark-submit) with INCUBATOR_LINE dropped from its stderr,
# the rest passed on line by line, and returns CMD's status once the filter has written its last
# line (so nothing arrives after the script has ended). CMD runs in the background so that this
# shell can pass on TERM, INT and HUP sent to it, as TERM: a background command of a non-interactive
# shell starts with INT ignored, and a JVM leaves a signal alone that was ignored when it started.
run_java() {
  local pid filter rc=0
  exec 4> >(grep -v -x -F --line-buffered -e "$INCUBATOR_LINE" >&2 || true)
  filter=$!
  "$@" 2>&4 4>&- &
  pid=$!
  exec 4>&-
  trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT HUP
  while :; do
    rc=0
    wait "$pid" || rc=$?
    # a trapped signal ends the wait early, with CMD still running
    kill -0 "$pid" 2>/dev/null || break
  done
  trap - TERM INT HUP
  wait "$filter" 2>/dev/null || true
  return "$rc"
}

# ND4J's native ops use OpenMP. On a machine whose cores are shared (Spark workers on the same
# host, other processes), two OpenMP threads per process made elementwise ops many times slower,
# because every op waits at a barrier for a busy core (BENCHMARKS.md, "Measurements behind code
# choices"). One thread per process is the default here; set OMP_NUM_THREADS to the cores a
# process owns to change it.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# glibc gives every new thread its own malloc arena and keeps what a dead thread's arena freed. ND4J
# allocates natively from Spark's short-lived task threads, so a process grew with every task
# thread that trained, and stayed flat with two arenas (Hadoop's YARN sets 4; figures:
# BENCHMARKS.md, "Measurements behind code choices").
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# ensure_built MODULE: compiles MODULE (and what it depends on) when any source or pom is newer
# than the last build, and writes MODULE/target/classpath.txt.
ensure_built() {
  local module="$1" stamp="$ROOT/$1/target/.built"
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/pom.xml" "$ROOT/optim" "$ROOT/data-prep" "$ROOT/$module" \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "building $module ..." >&2
    (cd "$ROOT" && mvn -q -B -pl "$module" -am install -DskipTests >&2) || { echo "build of $module failed" >&2; exit 1; }
    (cd "$ROOT" && mvn -q -B -pl "$module" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/classpath.txt >&2) || exit 1
    touch "$stamp"
  fi
}

# classpath MODULE: the module's classes and test classes, then optim's and data-prep's (first: their
# jars in a shared ~/.m2 may be another checkout's build, or half written while one installs), then
# the module's dependencies.
classpath() {
  echo "$ROOT/$1/target/classes:$ROOT/$1/target/test-classes:$ROOT/optim/target/classes:$ROOT/data-prep/target/classes:$(cat "$ROOT/$1/target/classpath.txt")"
}

# run_main MODULE CLASS ARGS...: builds MODULE if needed and runs CLASS (a main in its main or
# test sources; benchmarks live in the test sources) with the JVM flags above.
run_main() {
  local module="$1" cls="$2"
  shift 2
  ensure_built "$module"
  mkdir -p "$LOG_DIR"
  local log="$LOG_DIR/$(basename "$0")-$(date +%Y%m%d-%H%M%S)-$$.log"
  local rc=0
  run_java java ${JAVA_OPTS:-} "${JVM_FLAGS[@]}" -Doptimbench.log.file="$log" -cp "$(classpath "$module")" "$cls" "$@" || rc=$?
  exit "$rc"
}
