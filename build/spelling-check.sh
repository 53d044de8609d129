#!/usr/bin/env bash
# Checks the US spelling: lists every British form of build/spelling.txt found in the sources, tests, samples,
# benchmarks, docs and build scripts (contents and file names), as file:line: word. Exit 0 when there is none,
# 1 otherwise. Fix them with build/spelling-fix.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=spelling-files.sh
. "$here/spelling-files.sh"
cd "$here/.."
spelling_files | perl "$here/spelling.pl" check
