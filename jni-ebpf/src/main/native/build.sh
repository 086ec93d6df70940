#!/usr/bin/env bash
# Builds the kernel side of jni-ebpf, run by Maven (exec-maven-plugin, generate-resources):
#   vmlinux.h      bpftool btf dump of /sys/kernel/btf/vmlinux (CO-RE types of the build machine's kernel)
#   tapio.bpf.o    clang -target bpf
#   tapio.skel.h   bpftool gen skeleton
#   libtapio-ebpf.so  gcc, the JNI shim linked against libbpf.so (Debian's libbpf.a is not PIC)
# When a tool is missing it says which, writes that reason to OUT/UNAVAILABLE (KernelNative reports it,
# the kernel tests skip with it) and exits 0: the rest of the build and its tests go on.
# Usage: build.sh SRC_DIR GEN_DIR OUT_DIR JAVA_HOME
set -euo pipefail
src="$1"; gen="$2"; out="$3"; java_home="$4"
mkdir -p "$gen" "$out"
rm -f "$out/UNAVAILABLE"

unavailable() {
  echo "jni-ebpf: the kernel collector is not built: $1" >&2
  printf '%s\n' "$1" > "$out/UNAVAILABLE"
  rm -f "$out/libtapio-ebpf.so"
  exit 0
}

[ "$(uname -s)" = Linux ] || unavailable "not Linux ($(uname -s))"
clang="$(command -v clang-14 || command -v clang || true)"
[ -n "$clang" ] || unavailable "clang not found (Debian: apt-get install clang-14 llvm-14)"
bpftool="$(command -v bpftool || ls /usr/sbin/bpftool 2>/dev/null || true)"
[ -n "$bpftool" ] || unavailable "bpftool not found (Debian: apt-get install bpftool)"
[ -f /usr/include/bpf/libbpf.h ] || unavailable "libbpf headers not found (Debian: apt-get install libbpf-dev)"
[ -r /sys/kernel/btf/vmlinux ] || unavailable "the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot be built"
command -v gcc >/dev/null || unavailable "gcc not found"
[ -f "$java_home/include/jni.h" ] || unavailable "no JNI headers under $java_home/include (a JDK, not a JRE, is needed)"

lib="$out/libtapio-ebpf.so"
if [ -f "$lib" ] && [ -z "$(find "$src" -newer "$lib" -type f -print -quit)" ]; then
  exit 0   # up to date
fi
"$bpftool" btf dump file /sys/kernel/btf/vmlinux format c > "$gen/vmlinux.h"
arch="$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')"
"$clang" -g -O2 -Wall -target bpf -D__TARGET_ARCH_"$arch" -I"$gen" -I"$src" -c "$src/tapio.bpf.c" -o "$gen/tapio.bpf.o"
"$bpftool" gen skeleton "$gen/tapio.bpf.o" name tapio > "$gen/tapio.skel.h"
gcc -shared -fPIC -O2 -Wall -Wextra -Wno-unused-parameter -I"$java_home/include" -I"$java_home/include/linux" \
  -I"$gen" -I"$src" "$src/tapio_jni.c" -o "$lib" -lbpf
echo "jni-ebpf: built $lib" >&2
