#!/usr/bin/env bash
# The Spark suite (`npm run test:spark`) on a real cluster, for CI on a clean clone after `npm ci`:
# fetch Spark 4.0.1, Spark Connect and the Iceberg runtime from Maven Central (spark/pom.xml), start the local
# standalone cluster (master, two workers, Spark Connect server), run the suite, stop the cluster whatever happens.
# Network: Maven Central only (npm ci ran before). Needs a JDK 17+ and Maven. About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v java >/dev/null || { echo "spark.sh: no java on the PATH (a JDK 17+ is needed)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "spark.sh: no mvn on the PATH (apt-get install maven)" >&2; exit 1; }

# Spark's jars into spark/home/jars, the Spark Connect .proto files into spark/home/proto.
mvn -B -q -f spark/pom.xml package

stop_cluster() {
  status=$?
  if [ "$status" -ne 0 ]; then
    # What the cluster said, for a failed run.
    for f in spark/home/run/*.log; do
      [ -f "$f" ] || continue
      echo "---- tail of $f" >&2
      tail -n 40 "$f" >&2 || true
    done
  fi
  npm run --silent spark:down || true
  exit "$status"
}
trap stop_cluster EXIT

npm run --silent spark:up

LOG="$(mktemp)"
set +e
npm run test:spark 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
# Repeat the closing line last, where CI reads it.
grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -1 || true
rm -f "$LOG"
exit "$status"
