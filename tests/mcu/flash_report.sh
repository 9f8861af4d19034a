#!/usr/bin/env bash
# Flash (text + rodata + initialized data) of a linked firmware by origin, from the GNU ld map:
# runtime core (loader + verifier + interpreter + C API: runtime/*.cc), each kernel object
# (kernels/*), libc/libgcc helpers, the platform (startup, semihosting) and the application
# (firmware main + embedded models). Usage: flash_report.sh SRC_DIR FIRMWARE.map [LABEL]
set -euo pipefail
src=$1
map=$2
label=${3:-$(basename "$map" .map)}
kernels=$(cd "$src" && ls kernels/*/*.cc 2>/dev/null | xargs -n1 basename | sed 's/$/.obj/' | tr '\n' ' ')
awk -v kernels="$kernels" -v label="$label" '
  BEGIN { n = split(kernels, k, " "); for (i = 1; i <= n; ++i) is_kernel[k[i]] = 1 }
  /^Linker script and memory map/ { in_map = 1; next }
  !in_map { next }
  # Output sections that occupy flash.
  /^[.][A-Za-z_.]+/ {
    out = $1
    flash = (out == ".text" || out == ".rodata" || out == ".data" || out == ".ARM.exidx" || out == ".init_array")
    pending = ""
    next
  }
  !flash { next }
  # An input section name alone on its line: its address/size/file follow on the next line.
  /^ [.][^ ]+$/ { pending = $1; next }
  /^ [.][^ ]+ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($3, $4); pending = ""; next }
  pending != "" && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($2, $3); pending = ""; next }
  /^ \*fill\* / { fill += hex($3); next }
  function hex(h,   v, i, c) {  # POSIX awk has no strtonum
    v = 0
    h = tolower(substr(h, 3))
    for (i = 1; i <= length(h); ++i) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return v
  }
  function base(o) { sub(/\.c(c)?\.obj$/, "", o); return o }
  function add(size_hex, file,   size, obj, cat) {
    size = hex(size_hex)
    if (size == 0) return
    obj = file
    if (obj ~ /\)$/) { sub(/^.*\(/, "", obj); sub(/\)$/, "", obj) }
    if (file ~ /libqinfer\.a\(/) {
      cat = (obj in is_kernel) ? "kernels" : "core"
      if (cat == "kernels") kernel[obj] += size
      else core_obj[obj] += size
    } else if (file ~ /lib(c|c_nano|g|g_nano|gcc|m|nosys)\.a\(/) {
      cat = "libc+libgcc"
    } else if (file ~ /(startup|platform)\.c\.obj$/) {
      cat = "platform"
    } else {
      cat = "application+models"
    }
    total[cat] += size
  }
  END {
    printf "flash %s: core %d, kernels %d, libc+libgcc %d, platform %d, application+models %d, padding %d (bytes)\n", \
      label, total["core"], total["kernels"], total["libc+libgcc"], total["platform"], total["application+models"], fill
    printf "  runtime core + all kernels + libc/libgcc helpers = %d\n", total["core"] + total["kernels"] + total["libc+libgcc"]
    line = "  core by object:"
    for (o in core_obj) line = line sprintf(" %s=%d", base(o), core_obj[o])
    print line
    line = "  kernels by object:"
    for (o in kernel) line = line sprintf(" %s=%d", base(o), kernel[o])
    print line
  }' "$map"
