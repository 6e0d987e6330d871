# Sourced by bin/bench-*: compiles the benchmarks (distillery-bench's test sources) and the modules they use,
# then sets bench_cp to their classpath. Needs root and DISTILLERY_JAVA_HOME (bin/find-jdk.sh).
(cd "$root" && JAVA_HOME="$DISTILLERY_JAVA_HOME" ./mvnw -q -B -pl distillery-bench -am test-compile \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null)
bench_cp="$root/distillery-bench/target/test-classes:$root/distillery-bench/target/classes"
bench_cp="$bench_cp:$(cat "$root/distillery-bench/target/bench-classpath.txt")"
