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
    parser.add_argument("--master", default="local[2]", help="Spark master (default: local[2]). "
                        "Ignored under spark-submit, which sets it.")
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


def run_measured(command, stdin_lines=None):
    """Runs `command`, feeding `stdin_lines` (an iterable of str) on its standard input when
    given. Returns (exit status, stderr tail, wall seconds, peak RSS in KiB of that process)."""
    start = time.monotonic()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE if stdin_lines is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tail = bytearray()

    def drain():  # read stderr concurrently so that the child never blocks on a full pipe
        for chunk in iter(lambda: process.stderr.read(8192), b""):
            tail.extend(chunk)
            del tail[:-STDERR_KEEP]

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    if stdin_lines is not None:
        writer = io.TextIOWrapper(process.stdin, encoding="utf-8", newline="",
                                  write_through=False)
        try:
            for line in stdin_lines:
                writer.write(line)
            writer.close()
        except BrokenPipeError:
            pass  # the process stopped reading: its status and stderr say why
    # os.wait4 gives this child's own resource usage (its peak RSS), unlike RUSAGE_CHILDREN,
    # which accumulates over every child of a reused Python worker.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    return (process.returncode, tail.decode("utf-8", "replace"), time.monotonic() - start,
            usage.ru_maxrss)


def run_on_driver(what, command, stats):
    print(f"[driver] {what}: {' '.join(command)}", file=sys.stderr)
    status, err, seconds, rss = run_measured(command)
    stats.append({"process": what, "seconds": seconds, "peakRssKiB": rss})
    if status != 0:
        raise SystemExit(f"error: slicegen {what} failed (exit {status}):\n{err.rstrip()}")
    print(f"[driver] {what}: {seconds:.1f} s, peak RSS {rss / 1024:.0f} MiB", file=sys.stderr)


def csv_lines(rows):
    """Each row (a sequence of values, None for a missing field) as one CSV line, quoted by the
    csv module where needed; None becomes the empty field (Spark reads an empty field as null)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def partition_task(binary, template, work, header_line):
    """The function each Spark task runs on its partition's (key, row) pairs."""

    def run(index, pairs):
        from pyspark import SparkFiles  # on the executor

        executable = binary
        try:
            shipped = SparkFiles.get(os.path.basename(binary))
        except Exception:  # no SparkFiles directory: nothing was shipped
            shipped = ""
        if shipped and os.path.isfile(shipped):
            executable = shipped
            if not os.access(executable, os.X_OK):
                os.chmod(executable, 0o755)
        output = os.path.join(work, f"part-{index}.partial")
        count = 0

        def lines():
            nonlocal count
            yield header_line
            for line in csv_lines(row for _, row in pairs):
                count += 1
                yield line

        status, err, seconds, rss = run_measured(
            [executable, "release-partition", "-", "--template", template, "--partition",
             str(index), "-o", output], lines())
        if status != 0:
            # Raised on the executor; Spark reports it to the driver with this message.
            raise RuntimeError(
                f"slicegen release-partition of partition {index} failed (exit {status}, "
                f"{count} rows fed):\n{err.rstrip()}")
        yield {"partition": index, "path": output, "rows": count, "seconds": seconds,
               "peakRssKiB": rss}

    return run


def main(argv):
    arguments = parse_arguments(argv)
    from pyspark.sql import SparkSession

    started = time.monotonic()
    spark = (SparkSession.builder.appName("slicegen partitioned release")
             .master(arguments.master)
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
    header_line = next(csv_lines([columns]))
    rows = frame.count()  # n is public: the release states it (replace-one and zero-out keep n)
    print(f"[driver] {rows} rows, {len(columns)} columns", file=sys.stderr)
    stats = []

    template = os.path.join(work, "template.json")
    if arguments.template:
        template = os.path.abspath(arguments.template)
    else:
        command = [slicegen, "release-template", "--schema", arguments.schema, "--rows",
                   str(rows), "--partitions", str(arguments.partitions), "--epsilon",
                   arguments.epsilon]
        if arguments.delta:
            command += ["--delta", arguments.delta]
        run_on_driver("release-template", command + arguments.extra + ["-o", template], stats)

    # Partitions are chosen by row number (or at random), NEVER by a column's value: with a
    # partition per value, each partition's size would be the exact count of that value, and
    # the partitions' sizes, order and timing are visible to anyone watching the cluster (the
    # Spark UI, logs, file sizes), outside the privacy accounting. Row numbers give sizes that
    # depend on n only (floor or ceiling of n/K); random assignment gives sizes that depend on
    # nothing in the data. (zipWithIndex numbers the rows in the order Spark reads them.)
    k = arguments.partitions
    data = frame.rdd.map(tuple)
    if arguments.assign == "row-number":
        keyed = data.zipWithIndex().map(lambda pair: (pair[1] % k, pair[0]))
    else:
        seed = secrets.randbits(64)

        def assign(split, iterator):
            generator = random.Random(seed ^ (split * 0x9E3779B97F4A7C15))
            for row in iterator:
                yield (generator.randrange(k), row)

        keyed = data.mapPartitionsWithIndex(assign)
    partitioned = keyed.partitionBy(k, lambda key: key)
    try:
        results = partitioned.mapPartitionsWithIndex(
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
    results.sort(key=lambda result: result["partition"])
    for result in results:
        print(f"[executor] partition {result['partition']}: {result['rows']} rows, "
              f"{result['seconds']:.1f} s, peak RSS {result['peakRssKiB'] / 1024:.0f} MiB",
              file=sys.stderr)
        stats.append({"process": f"release-partition {result['partition']}",
                      "seconds": result["seconds"], "peakRssKiB": result["peakRssKiB"]})
    spark.stop()

    partials = [result["path"] for result in results]
    run_on_driver("release-merge", [slicegen, "release-merge", "--template", template]
                  + partials + ["-o", arguments.output], stats)
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
