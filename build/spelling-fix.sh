#!/usr/bin/env bash
# Rewrites the British forms of build/spelling.txt into US spelling, in place, keeping each match's case, and
# renames files whose names hold one (git mv for tracked files). Identifiers are renamed with the rest, in every
# file at once, so the code keeps compiling; build and test after running it. Optional paths (files or folders,
# relative to the repository root) limit the rewrite; by default it covers everything spelling-check.sh checks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=spelling-files.sh
. "$here/spelling-files.sh"
cd "$here/.."
spelling_files | if [ $# -eq 0 ]; then cat; else
  while IFS= read -r -d '' f; do
    for p in "$@"; do
      p="${p%/}"
      case "$f" in "$p"|"$p"/*) printf '%s\0' "$f"; break ;; esac
    done
  done
fi | perl "$here/spelling.pl" fix
