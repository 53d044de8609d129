#!/usr/bin/env bash
# Checks the US spelling: lists every British form of build/spelling.txt found in the sources, tests, samples,
# benchmarks, docs and build scripts, as file:line: word. Exit 0 when there is none, 1 otherwise.
# Fix them with build/spelling-fix.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=spelling-files.sh
. "$here/spelling-files.sh"
status=0
spelling_files | RULES="$here/spelling.txt" xargs -0 perl -ne '
  BEGIN {
    open my $f, "<", $ENV{RULES} or die "$ENV{RULES}: $!";
    my @p;
    while (<$f>) { chomp; next if /^#/ || !/\t/; my ($re) = split /\t/; push @p, $re; }
    our $any = join "|", map { "(?:$_)" } @p;
    our $hits = 0;
  }
  while (/(\w*(?:$any)\w*)/gi) { print "$ARGV:$.: $1\n"; $hits++; }
  close ARGV if eof;    # restart $. for each file
  END { print STDERR "spelling: $hits British form(s); fix with build/spelling-fix.sh\n" if $hits; exit($hits ? 1 : 0); }
' || status=1
exit $status
