#!/usr/bin/env bash
# Rewrites the British forms of build/spelling.txt into US spelling, in place, keeping each match's case
# (normalise → normalize, Normalise → Normalize, NORMALISE → NORMALIZE). Identifiers are renamed with the rest, in
# every file at once, so the code keeps compiling; build and test after running it. Takes optional paths (files or
# folders) to limit the rewrite; by default it covers everything spelling-check.sh checks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=spelling-files.sh
. "$here/spelling-files.sh"
root="$(cd "$here/.." && pwd)"
list() {
  if [ $# -eq 0 ]; then spelling_files; return; fi
  spelling_files | while IFS= read -r -d '' f; do
    for p in "$@"; do
      p="$(realpath -m --relative-to="$root" "$p")"
      case "$f" in "$p"|"$p"/*) printf '%s\0' "$f"; break ;; esac
    done
  done
}
cd "$root"
list "$@" | RULES="$here/spelling.txt" xargs -0 -r perl -pi -e '
  BEGIN {
    open my $f, "<", $ENV{RULES} or die "$ENV{RULES}: $!";
    our @rules;
    while (<$f>) { chomp; next if /^#/ || !/\t/; my ($re, $to) = split /\t/; push @rules, [qr/$re/i, $to]; }
  }
  sub like { my ($from, $to) = @_; return uc $to if $from =~ /^[A-Z]+$/ && length $from > 1; return ucfirst $to if $from =~ /^[A-Z]/; $to }
  for my $r (@rules) { my ($re, $to) = @$r; s/($re)/like($1, $to)/ge; }
'
