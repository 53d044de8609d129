# Sourced by spelling-check.sh and spelling-fix.sh: the files whose spelling is checked, NUL-separated on stdout.
# Sources, tests, samples, benchmarks, docs and build scripts; not build outputs, binary data, generated reports'
# plots, or the tool itself (its rules, in spelling.txt, are not checked: they name the British forms).
spelling_files() {
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root" || return 1
  find src tests samples benchmarks docs build README.md build.sh .ci .editorconfig Directory.Build.props Directory.Packages.props \
      \( -name bin -o -name obj -o -name artifacts -o -name BenchmarkDotNet.Artifacts \) -prune -o \
      -type f \( -name '*.cs' -o -name '*.md' -o -name '*.sh' -o -name '*.csproj' -o -name '*.props' \
                 -o -name '*.targets' -o -name '*.json' -o -name '*.proto' -o -name '*.c' -o -name run -o -name .editorconfig \) \
      ! -path build/spelling.pl -print0
}
