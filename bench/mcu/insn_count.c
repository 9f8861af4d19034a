/* QEMU TCG plugin: counts guest instructions executed between two marker addresses.
 *
 *   qemu-system-arm ... -plugin libqinfer_insn_count.so,begin=0xADDR,end=0xADDR[,split=0xADDR][,out=FILE]
 *
 * Every executed instruction adds 1 to a counter (an inline op, no callback). When the
 * instruction at `begin` executes, a region opens; at `end` it closes and one line is
 * written:  "region <n> insns <count> [splits <d0> <d1> ...]"
 * where, if `split` is given (e.g. the interpreter's per-op function), d_i are the
 * instructions from the i-th execution of `split` to the next one (the last to `end`), and
 * d0 is preceded by the instructions from `begin` to the first split. Addresses are the
 * marker functions' symbol values (the Thumb bit is ignored). Output goes to FILE, else to
 * QEMU's log (-d plugin). Single vCPU. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QINFER_QEMU_PLUGIN_EXPORT int qemu_plugin_version = QINFER_QEMU_PLUGIN_API_VERSION;

enum { kMaxSplits = 4096 };

static uint64_t insns;  /* instructions executed so far */
static uint64_t begin_addr = UINT64_MAX, end_addr = UINT64_MAX, split_addr = UINT64_MAX;
static int open_region;
static uint64_t region_start;
static uint64_t splits[kMaxSplits];
static size_t num_splits;
static unsigned regions;
static FILE* out;

static void emit(const char* line) {
  if (out != NULL) {
    fputs(line, out);
    fflush(out);
  } else {
    qemu_plugin_outs(line);
  }
}

static void on_begin(unsigned int vcpu, void* data) {
  (void)vcpu;
  (void)data;
  open_region = 1;
  region_start = insns;
  num_splits = 0;
}

static void on_split(unsigned int vcpu, void* data) {
  (void)vcpu;
  (void)data;
  if (open_region && num_splits < kMaxSplits) splits[num_splits++] = insns;
}

static void on_end(unsigned int vcpu, void* data) {
  (void)vcpu;
  (void)data;
  if (!open_region) return;
  open_region = 0;
  char line[64];
  snprintf(line, sizeof line, "region %u insns %" PRIu64, regions++, insns - region_start);
  emit(line);
  if (num_splits > 0) {
    snprintf(line, sizeof line, " prologue %" PRIu64 " splits", splits[0] - region_start);
    emit(line);
    for (size_t i = 0; i < num_splits; ++i) {
      const uint64_t next = i + 1 < num_splits ? splits[i + 1] : insns;
      snprintf(line, sizeof line, " %" PRIu64, next - splits[i]);
      emit(line);
    }
  }
  emit("\n");
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t pc = qemu_plugin_insn_vaddr(insn) & ~(uint64_t)1;
    /* Marker callbacks run before this instruction's own count. */
    if (pc == begin_addr) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (pc == split_addr) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_split, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (pc == end_addr) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insns, 1);
  }
}

static void on_plugin_exit(qemu_plugin_id_t id, void* data) {
  (void)id;
  (void)data;
  char line[64];
  snprintf(line, sizeof line, "total insns %" PRIu64 "\n", insns);
  emit(line);
  if (out != NULL) fclose(out);
  out = NULL;
}

static int parse_addr(const char* value, uint64_t* addr) {
  char* end = NULL;
  const unsigned long long v = strtoull(value, &end, 0);
  if (end == value || *end != '\0') return -1;
  *addr = (uint64_t)v & ~(uint64_t)1;
  return 0;
}

QINFER_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info,
                                                  int argc, char** argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    if (strncmp(a, "arg=", 4) == 0) a += 4; /* older "arg=key=value" syntax */
    int bad = 0;
    if (strncmp(a, "begin=", 6) == 0) {
      bad = parse_addr(a + 6, &begin_addr);
    } else if (strncmp(a, "end=", 4) == 0) {
      bad = parse_addr(a + 4, &end_addr);
    } else if (strncmp(a, "split=", 6) == 0) {
      bad = parse_addr(a + 6, &split_addr);
    } else if (strncmp(a, "out=", 4) == 0) {
      out = fopen(a + 4, "w");
      bad = out == NULL;
    } else {
      bad = 1;
    }
    if (bad) {
      fprintf(stderr, "insn_count: bad argument '%s' (begin=, end=, split=, out=)\n", argv[i]);
      return -1;
    }
  }
  if (begin_addr == UINT64_MAX || end_addr == UINT64_MAX) {
    fprintf(stderr, "insn_count: begin= and end= are required\n");
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
  return 0;
}
