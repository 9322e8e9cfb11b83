#!/usr/bin/env python3
"""Every repository path and every backticked type a comment or a doc names must exist.

Scans Sources/, Tests/, Docs/ and README.md:
- paths: `Docs/…`, `Sources/…`, `Tests/…`, `samples/…` and `.ci/…` as written in Swift
  comments and Markdown (a glob or a placeholder such as `<output>` is skipped);
- types: a backticked name that starts with a capital letter, optionally followed by members
  (`ReleaseOptions.validate()`, `Divergence.kl`), must be declared in Sources/ or Tests/
  (the first component as a type, the members as a member of some declaration) unless it is a
  standard-library or Foundation name listed below.
Prints each dangling reference with its file and line; exits 1 when there is any.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

# Names from the toolchain (and a few outside tools a doc names) that are not declared here.
EXTERNAL = set("""
Array Bool Character Codable Data Date Decimal Decoder Dictionary DispatchQueue DispatchTime
Double Encoder Equatable Error FileHandle FileManager Float Float16 Float80 Hashable Int Int32
Int64 Int8 JSONDecoder JSONEncoder JSONSerialization Mutex Never Optional Process ProcessInfo
Range RandomNumberGenerator Sendable Set String Substring SystemRandomNumberGenerator UInt
UInt16 UInt32 UInt64 UInt8 URL UUID Atomic Comparable Collection Sequence Result Task Void
CSV JSON SDMetrics DCROverfittingProtection RDD OPENBLAS_NUM_THREADS SLICEGEN_THREADS PNG
IDX NaN Inf OS XCTest Testing Foundation Dispatch Synchronization Glibc Darwin
OneHotEncoder RobustScaler SimpleImputer LinearModelLoss LogisticRegression ColumnPairTrends
SliceGen SliceGenNumerics SliceGenPrivacy SliceGenCLI SliceGenBench
""".split())

sources = []
for top in ["Sources", "Tests", "Docs"]:
    for dirpath, _, names in os.walk(top):
        for name in names:
            if name.endswith((".swift", ".md")):
                sources.append(os.path.join(dirpath, name))
sources.append("README.md")

declared_types = set()
declared_members = set()
decl = re.compile(
    r"\b(?:struct|enum|class|actor|protocol|typealias|extension)\s+([A-Z][A-Za-z0-9_]*)")
member = re.compile(
    r"\b(?:func|var|let|case|init|subscript|static func|static var|static let)\s+`?([A-Za-z_][A-Za-z0-9_]*)")
enum_case_list = re.compile(r"\bcase\s+([a-z][A-Za-z0-9_]*(?:\s*(?:\([^)]*\))?\s*,\s*[a-z][A-Za-z0-9_]*)+)")
for path in sources:
    if not path.endswith(".swift"):
        continue
    text = open(path, encoding="utf-8").read()
    declared_types.update(decl.findall(text))
    declared_types.update(re.findall(r"<([A-Z][A-Za-z0-9_]*)\s*[:>,]", text))  # generic parameters
    declared_members.update(member.findall(text))
    for group in enum_case_list.findall(text):
        declared_members.update(re.findall(r"([a-z][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*(?:,|$)", group))
    if "init(" in text:
        declared_members.add("init")

path_pattern = re.compile(r"(?<![\w./-])((?:Docs|Sources|Tests|samples|\.ci)/[A-Za-z0-9_./+-]*[A-Za-z0-9_/])")
tick = re.compile(r"`([^`\n]+)`")
type_ref = re.compile(r"^([A-Z][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*(?:\([^)]*\))?)*)$")

problems = []
for path in sources:
    is_swift = path.endswith(".swift")
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if is_swift:
            comment = line.find("//")
            if comment < 0:
                continue
            line = line[comment:]
        for ref in path_pattern.findall(line):
            if any(c in ref for c in "*<>…") or ref.endswith("/.."):
                continue
            if not os.path.exists(ref):
                problems.append(f"{path}:{number}: {ref} does not exist")
        for token in tick.findall(line):
            if token.endswith((".swift", ".md", ".json", ".py")):
                continue  # a file name, not a type
            m = type_ref.match(token.strip())
            if not m:
                continue
            name, members = m.group(1), m.group(2)
            if name in EXTERNAL or name.isupper():
                continue
            if name not in declared_types:
                problems.append(f"{path}:{number}: `{token}`: no type {name} is declared")
                continue
            for part in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)", members):
                if part not in declared_members:
                    problems.append(f"{path}:{number}: `{token}`: no member {part} is declared")

for p in problems:
    print(p)
print(f"check-references: {len(sources)} files, {len(problems)} dangling reference(s)")
sys.exit(1 if problems else 0)
