#!/usr/bin/env python3
"""A partitioned slicegen release on Apache Spark: template -> partitions -> merge.

    python3 samples/spark/partitioned_release.py TABLE_DIR --slicegen .build/release/slicegen \
        --schema schema.json --partitions 8 --epsilon 4 --delta 1e-9 -o release.slg

The flow (Docs/spark.md):
  1. Spark reads the table (a directory of CSV files with a header row each, or Parquet with
     --format parquet) and counts its rows: n is public (the release states it).
  2. On the driver: `slicegen release-template --rows n --partitions K ...` writes the template
     (schema, U's seed, delta, n, sigma, marginal specification, bins, partition names 0..K-1)
     before any row is read by slicegen.
  3. Rows are assigned to K partitions by their row number (row index mod K, the default) or at
     random (--assign random), never by a column's value.
  4. Each Spark task runs `slicegen release-partition - --template T --partition i
     -o WORK/part-i.partial`, fed the header line and then its rows as CSV on standard input.
  5. On the driver: `slicegen release-merge --template T WORK/part-*.partial -o release.slg`.

PRIVACY: a .partial file holds its partition's EXACT counts. It is private data and must stay
inside the data owner's cluster (WORK must be a filesystem of that cluster); the driver deletes
the partials after a successful merge unless --keep-partials. The template holds U's seed: it
too stays inside the cluster until the merged release is published (a contributor who could
choose rows after seeing U gets only the fixed-U guarantee).

PySpark is not a dependency of slicegen: this script is a sample. The Swift binary is shipped to
the executors as a file (`spark-submit --files slicegen`, or --ship here) and found with
SparkFiles.get; in local mode the path given with --slicegen is used as it is.
"""

import argparse
import csv
import io
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time

# How much of a failed process's standard error is kept for the message (the end of it).
STDERR_KEEP = 64 * 1024


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description=(
            "Release a partitioned table with slicegen on Apache Spark: release-template on the "
            "driver, release-partition per partition on the executors, release-merge on the "
            "driver. The merged release is the single-machine release (same U, same sigma, "
            "noise on the counts added once)."),
        epilog=(
            "Options after `--` are passed to `slicegen release-template` unchanged (the "
            "slicing and marginal options of `release`: --slices, --slice-dim, --marginals, "
            "--neighbors, ...). PRIVACY: the partials in --work hold EXACT counts and the "
            "template holds U's seed: --work must be on the data owner's cluster, and neither "
            "may leave it (see Docs/spark.md)."))
    parser.add_argument("table", help="A directory (or file, or glob) of CSV files with a header "
                        "row each, or of Parquet files with --format parquet.")
    parser.add_argument("--slicegen", required=True, help="Path of the slicegen binary on the "
                        "driver. Executors use the same path, unless a file of the same name was "
                        "shipped with `spark-submit --files` (or --ship): then SparkFiles.get.")
    parser.add_argument("--ship", action="store_true", help="Ship the binary to the executors "
                        "with SparkContext.addFile (the same as spark-submit --files).")
    parser.add_argument("--schema", required=True, help="The table's public schema (JSON).")
    parser.add_argument("--partitions", type=int, required=True, help="K, the number of "
                        "partitions (and of release-partition processes).")
    parser.add_argument("--epsilon", required=True, help="Privacy parameter epsilon.")
    parser.add_argument("--delta", help="Privacy parameter delta (default: slicegen's, from n).")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv",
                        help="The table's storage format (default: csv).")
    parser.add_argument("--assign", choices=["row-number", "random"], default="row-number",
                        help="How rows go to partitions: row-number (row index mod K) or random "
                        "(each row independently, from a secure seed). Never by a value.")
    parser.add_argument("--work", required=True, help="Directory for the template and the "
                        "partials, on a filesystem shared by the driver and the executors and "
                        "INSIDE the data owner's cluster: the partials hold exact counts.")
    parser.add_argument("--keep-partials", action="store_true", help="Keep the partials after "
                        "a successful merge (they are private: delete them yourself).")
    parser.add_argument("--template", help="Use this existing template instead of writing one "
                        "(it must name K partitions and the table's row count).")
    parser.add_argument("--master", help="Spark master (default: spark-submit's under "
                        "spark-submit, else local[2], Spark's local mode with two threads).")
    parser.add_argument("--stats", help="Write per-process figures (wall seconds, peak RSS) as "
                        "JSON to this file.")
    parser.add_argument("-o", "--output", required=True, help="The merged release to write.")
    own, extra = argv, []
    if "--" in argv:
        cut = argv.index("--")
        own, extra = argv[:cut], argv[cut + 1:]
    arguments = parser.parse_args(own)
    arguments.extra = extra
    if arguments.partitions < 1:
        parser.error("--partitions must be at least 1")
    return arguments


def measured(command, work):
    """`command` wrapped in GNU time when /usr/bin/time exists, and a function giving the
    process's peak RSS in KiB after it ended (None without GNU time). Not os.wait4's ru_maxrss:
    Linux carries the parent's (the Python worker's) peak over fork and exec into the child's,
    so a small process would be reported as large as the worker that started it."""
    if not os.path.exists("/usr/bin/time"):
        return command, lambda: None
    handle, path = tempfile.mkstemp(prefix=".peak-", dir=work)
    os.close(handle)

    def peak():
        try:
            with open(path) as file:
                lines = file.read().split()
            return int(lines[-1]) if lines else None
        except (OSError, ValueError):
            return None
        finally:
            os.remove(path)

    return ["/usr/bin/time", "-f", "%M", "-o", path] + command, peak


def run_on_driver(what, command, work, stats):
    """Runs a slicegen command on the driver; records its wall time and peak RSS."""
    print(f"[driver] {what}: {' '.join(command)}", file=sys.stderr)
    started = time.monotonic()
    wrapped, peak = measured(command, work)
    process = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds, rss = time.monotonic() - started, peak()
    stats.append({"process": what, "seconds": seconds, "peakRssKiB": rss})
    if process.returncode != 0:
        raise SystemExit(f"error: slicegen {what} failed (exit {process.returncode}):\n"
                         f"{process.stderr.decode('utf-8', 'replace').rstrip()}")
    print(f"[driver] {what}: {seconds:.1f} s, peak RSS {mib(rss)}", file=sys.stderr)


def mib(kib):
    return "unknown (no /usr/bin/time)" if kib is None else f"{kib / 1024:.0f} MiB"


def csv_line(values):
    """One CSV line (RFC 4180 quoting by the csv module), for the header row."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


class PartitionProcess:
    """One `slicegen release-partition -` process, fed CSV lines on standard input."""

    def __init__(self, executable, template, work, index, header_line):
        self.index = index
        self.output = os.path.join(work, f"part-{index}.partial")
        self.rows = 0
        self.started = time.monotonic()
        command, self.peak = measured(
            [executable, "release-partition", "-", "--template", template, "--partition",
             str(index), "-o", self.output, "--quiet"], work)
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.tail = bytearray()
        self.reader = threading.Thread(target=self.drain, daemon=True)
        self.reader.start()
        self.stdin = io.TextIOWrapper(self.process.stdin, encoding="utf-8", newline="")
        self.broken = False
        self.write(header_line)

    def drain(self):  # read stderr concurrently so that the child never blocks on a full pipe
        for chunk in iter(lambda: self.process.stderr.read(8192), b""):
            self.tail.extend(chunk)
            del self.tail[:-STDERR_KEEP]

    def write(self, line):
        if self.broken:
            return
        try:
            self.stdin.write(line)
        except BrokenPipeError:
            self.broken = True  # the process stopped reading: its status and stderr say why

    def finish(self):
        """Closes standard input and waits; raises with the process's stderr when it failed."""
        try:
            self.stdin.close()
        except BrokenPipeError:
            pass
        self.process.wait()
        self.reader.join()
        peak = self.peak()
        if self.process.returncode != 0:
            # Raised on the executor; Spark reports it to the driver with this message.
            raise RuntimeError(
                f"slicegen release-partition of partition {self.index} failed (exit "
                f"{self.process.returncode}, {self.rows} rows fed):\n"
                f"{self.tail.decode('utf-8', 'replace').rstrip()}")
        return {"partition": self.index, "path": self.output, "rows": self.rows,
                "seconds": time.monotonic() - self.started, "peakRssKiB": peak}


def peak_rss_kib(pid="self"):
    """A process's peak resident set size (VmHWM) in KiB, from /proc (Linux); None elsewhere."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def executor_binary(binary):
    """The binary on an executor: the file shipped with `spark-submit --files` (or --ship) when
    there is one, else the path given."""
    from pyspark import SparkFiles

    try:
        shipped = SparkFiles.get(os.path.basename(binary))
    except Exception:  # no SparkFiles directory: nothing was shipped
        return binary
    if not os.path.isfile(shipped):
        return binary
    if not os.access(shipped, os.X_OK):
        os.chmod(shipped, 0o755)
    return shipped


def partition_task(binary, template, work, header_line):
    """The function each Spark task runs on its rows, (partition index, CSV line) pairs. A task
    normally holds one partition's rows; should it hold several (or none), it runs one process
    per partition it holds, so the result never depends on how Spark grouped the keys."""

    def run(rows):
        executable = executor_binary(binary)
        processes = {}
        try:
            for key, line in rows:
                process = processes.get(key)
                if process is None:
                    process = processes[key] = PartitionProcess(
                        executable, template, work, key, header_line)
                process.write(line)
                process.write("\n")
                process.rows += 1
            results = [process.finish() for process in processes.values()]
            for result in results:  # the Python worker that fed the process
                result["workerPeakRssKiB"] = peak_rss_kib()
        finally:
            for process in processes.values():
                if process.process.poll() is None:
                    process.process.kill()
        return iter(results)

    return run


def main(argv):
    arguments = parse_arguments(argv)
    from pyspark.sql import SparkSession, functions

    started = time.monotonic()
    builder = SparkSession.builder.appName("slicegen partitioned release")
    # spark-submit starts the JVM first and tells this script its port: its master then holds.
    if arguments.master or "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(arguments.master or "local[2]")
    spark = (builder
             # A speculative second attempt would release a partition's rows twice inside the
             # cluster (only one partial is merged, but there is no reason to compute two).
             .config("spark.speculation", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    context = spark.sparkContext
    context.setLogLevel("ERROR")
    work = os.path.abspath(arguments.work)
    os.makedirs(work, exist_ok=True)
    slicegen = os.path.abspath(arguments.slicegen) if os.path.exists(arguments.slicegen) \
        else arguments.slicegen
    if arguments.ship:
        context.addFile(slicegen)

    if arguments.format == "csv":
        # Every field as a string (no inference: the schema decides types); RFC 4180 quoting
        # (a quote inside a field is doubled); an empty field reads as null and is written back
        # empty. Each file's header row is skipped.
        frame = spark.read.csv(arguments.table, header=True, inferSchema=False, escape='"',
                               multiLine=True)
    else:
        frame = spark.read.parquet(arguments.table)
    columns = frame.columns
    header_line = csv_line(columns)
    k = arguments.partitions

    # Partitions are chosen by row number (or at random), NEVER by a column's value: with a
    # partition per value, each partition's size would be the exact count of that value, and
    # the partitions' sizes, order and timing are visible to anyone watching the cluster (the
    # Spark UI, logs, file sizes), outside the privacy accounting. Row numbers give sizes that
    # depend on n only (floor or ceiling of n/K); random assignment gives sizes that depend on
    # nothing in the data.
    #
    # The row number is global and exact (what RDD.zipWithIndex gives, computed in the JVM):
    # Spark's input partition p holds rows offset[p] ... offset[p] + count[p] - 1 in reading
    # order, and monotonically_increasing_id() is p * 2^33 + the row's place in p.
    spark_partition = functions.spark_partition_id()
    counts = dict(frame.groupBy(spark_partition.alias("p")).count().collect())
    rows = sum(counts.values())  # n is public: the release states it
    print(f"[driver] {rows} rows, {len(columns)} columns, {len(counts)} input partitions",
          file=sys.stderr)
    if arguments.assign == "row-number":
        offsets, total = [], 0
        for p in sorted(counts):
            offsets += [functions.lit(p), functions.lit(total)]
            total += counts[p]
        place = functions.monotonically_increasing_id() - spark_partition.cast("long") * (1 << 33)
        offset = functions.element_at(functions.create_map(*offsets), spark_partition) \
            if offsets else functions.lit(0)
        key = ((offset + place) % k).cast("int")
    else:
        # Spark's rand is not a cryptographic generator; it needs none here: the assignment
        # must only be independent of the values, and nothing about it is published.
        key = functions.floor(functions.rand(secrets.randbits(63)) * k).cast("int")
    # Each row as one CSV line, formatted in the JVM: RFC 4180 quoting (a quote doubled), null
    # as the empty field, spaces kept.
    line = functions.to_csv(functions.struct(*[functions.col(f"`{c}`") for c in columns]),
                            {"quote": '"', "escape": '"', "ignoreLeadingWhiteSpace": "false",
                             "ignoreTrailingWhiteSpace": "false"})
    keyed = frame.select(key.alias("key"), line.alias("line")).repartitionByRange(k, "key")
    stats = []

    template = os.path.join(work, "template.json")
    if arguments.template:
        template = os.path.abspath(arguments.template)
    else:
        command = [slicegen, "release-template", "--schema", arguments.schema, "--rows",
                   str(rows), "--partitions", str(k), "--epsilon", arguments.epsilon]
        if arguments.delta:
            command += ["--delta", arguments.delta]
        run_on_driver("release-template", command + arguments.extra + ["-o", template], work,
                      stats)

    try:
        results = keyed.rdd.map(tuple).mapPartitions(
            partition_task(slicegen, template, work, header_line)).collect()
    except Exception as error:  # a partition's RuntimeError arrives wrapped by Py4J
        message = str(error)
        marker = "RuntimeError: "
        if marker in message:
            message = message[message.index(marker) + len(marker):].split("\n\tat ")[0]
        spark.stop()
        if not arguments.keep_partials:  # the partitions that did finish: private, not needed
            for index in range(k):
                path = os.path.join(work, f"part-{index}.partial")
                if os.path.exists(path):
                    os.remove(path)
        raise SystemExit(f"error: {message.rstrip()}")
    # A partition without rows (fewer rows than partitions) is released from the header alone.
    for index in sorted(set(range(k)) - {result["partition"] for result in results}):
        process = PartitionProcess(slicegen, template, work, index, header_line)
        results.append(process.finish())
    jvm = getattr(getattr(context, "_gateway", None), "proc", None)
    jvm_peak = peak_rss_kib(jvm.pid) if jvm is not None else None
    results.sort(key=lambda result: result["partition"])
    for result in results:
        print(f"[executor] partition {result['partition']}: {result['rows']} rows, "
              f"{result['seconds']:.1f} s, peak RSS {mib(result['peakRssKiB'])} "
              f"(its Python worker's {mib(result.get('workerPeakRssKiB'))})",
              file=sys.stderr)
        stats.append({"process": f"release-partition {result['partition']}",
                      "seconds": result["seconds"], "peakRssKiB": result["peakRssKiB"],
                      "workerPeakRssKiB": result.get("workerPeakRssKiB")})
    if jvm_peak is not None:
        print(f"[driver] Spark JVM peak RSS {mib(jvm_peak)}", file=sys.stderr)
        stats.append({"process": "Spark JVM", "seconds": None, "peakRssKiB": jvm_peak})
    spark.stop()

    partials = [result["path"] for result in results]
    run_on_driver("release-merge", [slicegen, "release-merge", "--template", template]
                  + partials + ["-o", arguments.output], work, stats)
    if not arguments.keep_partials:
        for path in partials:
            os.remove(path)
    wall = time.monotonic() - started
    print(f"[driver] wall time {wall:.1f} s (Spark start, read, count, template, partitions, "
          f"merge); release written to {arguments.output}", file=sys.stderr)
    if arguments.stats:
        import json
        with open(arguments.stats, "w") as file:
            json.dump({"wallSeconds": wall, "rows": rows, "partitions": k,
                       "processes": stats}, file, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
