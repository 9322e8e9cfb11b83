#!/bin/bash
# Installs what the Spark benchmarks need (Docs/spark.md): Java 17 from Debian when no `java` is
# on PATH, and a Python venv with PySpark and numpy from PyPI. Prints the venv's python.
# Usage: Docs/bench/spark_setup.sh [VENV]   (default: /work/venv-spark)
set -euo pipefail
VENV=${1:-/work/venv-spark}
if ! command -v java > /dev/null; then
  echo "installing Java (openjdk-17-jre-headless)" >&2
  apt-get update > /dev/null
  apt-get install -y openjdk-17-jre-headless > /dev/null
fi
if ! "$VENV/bin/python" -c "import pyspark, numpy" 2> /dev/null; then
  echo "installing PySpark and numpy into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet pyspark numpy
fi
echo "$VENV/bin/python"
