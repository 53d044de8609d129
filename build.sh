#!/usr/bin/env bash
# One entry point for users and CI:
#   ./build.sh run    build and run the quick-start sample (the library's main job on built-in defaults)
#   ./build.sh test   build and run the whole test suite
#   ./build.sh bench  run the BenchmarkDotNet suites (extra args go to BenchmarkDotNet)
#   ./build.sh hostapp  pack DnS.Core into a local feed, build samples/HostApp against the package and run it
#   ./build.sh lint   check the US spelling (build/spelling-check.sh); `test` runs it first
# It installs the OS tools the project needs (ffmpeg, patchelf, a C compiler) when they are
# missing and it runs as root; otherwise it prints the exact command to run.
set -euo pipefail
cd "$(dirname "$0")"

need_pkgs=()
command -v ffmpeg  >/dev/null 2>&1 || need_pkgs+=(ffmpeg)
command -v patchelf >/dev/null 2>&1 || need_pkgs+=(patchelf)
command -v cc      >/dev/null 2>&1 || need_pkgs+=(gcc)
command -v readelf >/dev/null 2>&1 || need_pkgs+=(binutils)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: installing ${need_pkgs[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "build.sh: missing ${need_pkgs[*]}; install with: sudo apt-get install -y ${need_pkgs[*]}" >&2
    [ "${1:-}" = test ] && exit 1
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Builds a project showing output only when the build fails (keeps the program's own output readable).
quiet_build() {
  local log; log="$(mktemp)"
  if ! dotnet build "$1" -c Release -nologo >"$log" 2>&1; then cat "$log"; rm -f "$log"; exit 1; fi
  rm -f "$log"
}

# Packs DnS.Core (already built in Release) with a version unique to this run into artifacts/packages/ci, then
# restores, builds and runs samples/HostApp against that package. The restore extracts packages into a private
# folder that is emptied every run, with the global NuGet cache as a read-only fallback for the third-party
# packages: the CI build of DnS.Core never lands in the global cache, so no stale copy of a version can be used.
host_app() {
  local feed=artifacts/packages/ci private=artifacts/hostapp/packages version global
  version="0.1.0-ci.$(date -u +%Y%m%d%H%M%S).$$"
  global="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
  rm -rf "$feed" "$private" artifacts/hostapp/work samples/HostApp/bin samples/HostApp/obj
  dotnet pack src/DnS.Core -c Release --no-build -nologo -v quiet -o "$feed" \
    -p:IncludeSymbols=false -p:VersionPrefix=0.1.0 -p:VersionSuffix="${version#0.1.0-}" >/dev/null
  local log; log="$(mktemp)"
  if ! dotnet build samples/HostApp -c Release -nologo -p:DnsCoreVersion="$version" \
      -p:RestorePackagesPath="$PWD/$private" -p:RestoreFallbackFolders="$global" >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; return 1
  fi
  rm -f "$log"
  local out; out="$(mktemp)"
  dotnet run -c Release --no-build --project samples/HostApp -- artifacts/hostapp/work | tee "$out"
  # The DnS.Core the app ran is the one packed above (restored from the feed, not from any cache).
  cmp -s "$private/dns.core/$version/lib/net10.0/DnS.Core.dll" samples/HostApp/bin/Release/net10.0/DnS.Core.dll \
    && grep -q '^HostApp: OK, top hit clip-a' "$out"
  local rc=$?; rm -f "$out"
  [ $rc -eq 0 ] || echo "build.sh: HostApp did not run against DnS.Core $version or missed clip-a" >&2
  return $rc
}

cmd="${1:-run}"; shift || true
[ "${1:-}" = "--" ] && shift   # "./build.sh bench -- --filter x": the separator is ours, not the program's
case "$cmd" in
  run)
    quiet_build samples/QuickStart
    dotnet run -c Release --no-build --project samples/QuickStart -- "$@" ;;
  test)
    build/spelling-check.sh
    dotnet build DnS.Core.sln -c Release -nologo -clp:ErrorsOnly
    results="$(mktemp -d)"
    set +e
    dotnet test DnS.Core.sln -c Release --no-build -nologo --logger trx \
      --results-directory "$results" "$@"
    rc=$?
    set -e
    # One plain summary line over every test project (dotnet test prints one per assembly).
    passed=0; failed=0; skipped=0
    for trx in $(find "$results" -name '*.trx'); do
      c=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
      p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c")
      n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$c")
      passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
    done
    summary="tests: $passed passed, $failed failed, $skipped skipped"
    echo "$summary"
    [ $rc -eq 0 ] || exit $rc
    # The packed library, as a host app references it; then the summary again, as the run's closing line.
    host_app
    echo "$summary" ;;
  hostapp)
    dotnet build src/DnS.Core -c Release -nologo -clp:ErrorsOnly
    host_app ;;
  lint)
    build/spelling-check.sh ;;
  bench)
    quiet_build benchmarks/DnS.Benchmarks
    dotnet run -c Release --no-build --project benchmarks/DnS.Benchmarks -- "$@" ;;
  *)
    echo "usage: ./build.sh run|test|bench|hostapp|lint [args]" >&2; exit 2 ;;
esac
