#!/usr/bin/env bash
# Makes TorchSharp's libLibTorchSharp.so (built with GCC 13) load on a system whose libstdc++ is older
# than GCC 13 (no GLIBCXX_3.4.32: Debian 12, Ubuntu 22.04). See docs/torchsharp-compat.md.
#
#   torchsharp-compat.sh <output-folder> <work-folder>
#
# Only the copy of libLibTorchSharp.so inside <output-folder> (bin/ or publish/) is touched, never the NuGet
# cache: the patched file is written to a temporary file and renamed over the copy, so even a hard-linked
# copy leaves the cache intact. On a libstdc++ that has GLIBCXX_3.4.32 nothing is done. Idempotent: an
# already patched copy is left as it is, and the shim is only recompiled when its source changed.
set -euo pipefail

out_dir="${1:?usage: torchsharp-compat.sh <output-folder> <work-folder>}"
out_dir="${out_dir%/}"
work_dir="${2:?usage: torchsharp-compat.sh <output-folder> <work-folder>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shim_src="$here/ios_base_library_init_shim.c"
shim_name="libTorchSharpCompat.so"
needed_version="GLIBCXX_3.4.32"

say()  { echo "TorchSharpCompat: $*"; }
fail() { echo "TorchSharpCompat: error TSCOMPAT1: $*" >&2; exit 1; }

# RID-less builds put native assets under runtimes/linux-x64/native/, RID-specific builds and publishes beside the app.
lib=""
for candidate in "$out_dir/runtimes/linux-x64/native/libLibTorchSharp.so" "$out_dir/libLibTorchSharp.so"; do
  if [ -f "$candidate" ]; then lib="$candidate"; break; fi
done
if [ -z "$lib" ]; then
  say "no libLibTorchSharp.so under $out_dir; nothing to do"
  exit 0
fi
lib_dir="$(dirname "$lib")"

# The libstdc++ the dynamic loader will pick: the ld.so cache entry, else the usual multiarch/lib64 paths.
system_libstdcxx=""
for ldconfig in ldconfig /sbin/ldconfig /usr/sbin/ldconfig; do
  if command -v "$ldconfig" >/dev/null 2>&1; then
    system_libstdcxx="$("$ldconfig" -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')"
    [ -n "$system_libstdcxx" ] && break
  fi
done
if [ -z "$system_libstdcxx" ]; then
  for candidate in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /lib64/libstdc++.so.6; do
    if [ -f "$candidate" ]; then system_libstdcxx="$candidate"; break; fi
  done
fi
[ -n "$system_libstdcxx" ] || fail "cannot locate the system libstdc++.so.6 (ldconfig -p shows none)"

if grep -qaF "$needed_version" "$(readlink -f "$system_libstdcxx")"; then
  say "$system_libstdcxx provides $needed_version; libLibTorchSharp.so needs no patch"
  exit 0
fi

for tool in cc patchelf readelf od dd; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is required to patch libLibTorchSharp.so for the GCC 12 libstdc++ on this system (no $needed_version). Install it: sudo apt-get install -y gcc patchelf binutils (./build.sh does this when run as root)."
done

# 1. The shim, compiled once per source change into the work folder, then copied beside the library.
#    It links the runtime libstdc++.so.6 by path, so no C++ development package (g++) is needed.
#    (libLibTorchSharp.so's RUNPATH starts with $ORIGIN, which is ensured below anyway).
mkdir -p "$work_dir"
shim_built="$work_dir/$shim_name"
if [ ! -f "$shim_built" ] || [ "$shim_src" -nt "$shim_built" ]; then
  cc -shared -fPIC -O2 -Wall -Werror -Wl,-soname,"$shim_name" -o "$shim_built.tmp" "$shim_src" "$system_libstdcxx" \
    || fail "compiling $shim_src failed"
  mv -f "$shim_built.tmp" "$shim_built"
  say "built $shim_built"
fi
if ! cmp -s "$shim_built" "$lib_dir/$shim_name"; then
  cp -f "$shim_built" "$lib_dir/$shim_name.tmp"
  mv -f "$lib_dir/$shim_name.tmp" "$lib_dir/$shim_name"
fi

# Prints the file offset of vna_flags in the Vernaux entry naming $needed_version (empty if there is none).
# mawk (Debian's default awk) has no strtonum, so awk only extracts the hex fields and bash does the arithmetic.
vernaux_flags_offset() {
  local fields sec aux
  fields="$(readelf -V -W "$1" | awk -v want="$needed_version" '
    /^Version needs section / { in_needs = 1; next }
    /^Version (symbols|definition) section / { in_needs = 0 }
    in_needs && /Offset: 0x/ { for (i = 1; i <= NF; i++) if ($i == "Offset:") sec = $(i + 1) }
    in_needs && $2 == "Name:" && $3 == want { aux = $1; sub(/:$/, "", aux); print sec, aux; exit }')"
  [ -n "$fields" ] || return 0
  read -r sec aux <<<"$fields"
  echo $(( sec + aux + 4 ))   # Elf64_Vernaux: vna_hash(4) vna_flags(2) vna_other(2) vna_name(4) vna_next(4)
}
is_patched() {
  readelf -V -W "$1" | grep -qE "Name: ${needed_version//./\\.}  *Flags: WEAK" \
    && readelf -d -W "$1" | grep -qF "Shared library: [$shim_name]"
}

if is_patched "$lib"; then
  say "$lib already patched"
  exit 0
fi

tmp="$lib.compat.tmp"
trap 'rm -f "$tmp"' EXIT
cp -f "$lib" "$tmp"   # a fresh inode: the output copy may be a hard link into the NuGet cache

if ! readelf -V -W "$tmp" | grep -qE "Name: ${needed_version//./\\.}  *Flags: WEAK"; then
  off="$(vernaux_flags_offset "$tmp")"
  [ -n "$off" ] || fail "$lib has no $needed_version version requirement; unexpected TorchSharp build, patch not applied"
  flags="$(od -An -tu2 -j "$off" -N2 "$tmp" | tr -d ' ')"
  flags=$(( flags | 0x2 ))   # VER_FLG_WEAK: ld.so then only warns (with LD_DEBUG) when the version is missing
  printf "\\$(printf %03o $(( flags & 0xff )))\\$(printf %03o $(( flags >> 8 )))" \
    | dd of="$tmp" bs=1 seek="$off" count=2 conv=notrunc status=none
fi
if ! readelf -d -W "$tmp" | grep -qF "Shared library: [$shim_name]"; then
  patchelf --add-needed "$shim_name" "$tmp"
fi
if ! readelf -d -W "$tmp" | grep -qF '$ORIGIN'; then
  patchelf --add-rpath '$ORIGIN' "$tmp"
fi
is_patched "$tmp" || fail "patching $lib did not take effect (readelf shows no WEAK $needed_version or no NEEDED $shim_name)"
chmod --reference="$lib" "$tmp"
mv -f "$tmp" "$lib"
trap - EXIT
say "patched $lib ($needed_version weak, NEEDED $shim_name)"
