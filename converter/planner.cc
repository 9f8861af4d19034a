// Offline arena plan: tensor live ranges over the op order, 16-byte aligned offsets, several
// placement heuristics (the smallest wins), zero-copy RESHAPE views, kernel scratch.
#include <algorithm>
#include <functional>
#include <numeric>

#include "converter/error.h"
#include "converter/qmodel.h"
#include "kernels/reference.h"

namespace qinfer {
namespace converter {
namespace {

constexpr int64_t kAlign = 16;

int64_t AlignUp(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

struct Block {
  int64_t size = 0;
  int from = 0, until = 0;  // inclusive op range
  int64_t offset = -1;
  std::vector<int> tensors;  // members (views share the block); empty for scratch
  int scratch_op = -1;
};

bool TimeOverlap(const Block& a, const Block& b) { return a.from <= b.until && b.from <= a.until; }

int64_t Place(std::vector<Block>& blocks, const std::vector<size_t>& order) {
  std::vector<size_t> placed;
  int64_t total = 0;
  for (size_t idx : order) {
    Block& b = blocks[idx];
    // Candidate gaps between already placed blocks that overlap in time.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t p : placed)
      if (TimeOverlap(blocks[p], b)) busy.push_back({blocks[p].offset, blocks[p].offset + blocks[p].size});
    std::sort(busy.begin(), busy.end());
    int64_t off = 0;
    for (const auto& r : busy) {
      if (off + b.size <= r.first) break;
      off = std::max(off, AlignUp(r.second));
    }
    b.offset = off;
    total = std::max(total, off + b.size);
    placed.push_back(idx);
  }
  return AlignUp(total);
}

int64_t ScratchBytes(const QModel& m, const QOp& op) {
  auto dims = [&](int t) {
    const auto& s = m.tensors[static_cast<size_t>(t)].shape;
    int d[4] = {1, 1, 1, 1};
    for (size_t i = 0; i < s.size() && i < 4; ++i) d[4 - s.size() + i] = s[i];
    return kernels::Dims4{d[0], d[1], d[2], d[3]};
  };
  if (op.kind == LKind::kConv)
    return static_cast<int64_t>(kernels::ref::Conv2DScratchSize(dims(op.inputs[0]), dims(op.inputs[1]), dims(op.outputs[0])));
  return 0;
}

}  // namespace

std::string PlanMemory(QModel* m, bool no_reuse) {
  const int num_ops = static_cast<int>(m->ops.size());
  const size_t nt = m->tensors.size();
  // Live ranges.
  for (QTensor& t : m->tensors) {
    t.live_from = -1;
    t.live_until = -1;
    t.arena_offset = -1;
  }
  std::vector<bool> produced(nt, false);
  for (int i = 0; i < num_ops; ++i) {
    const QOp& op = m->ops[static_cast<size_t>(i)];
    for (int in : op.inputs) {
      if (in < 0 || m->tensors[static_cast<size_t>(in)].is_const) continue;
      QTensor& t = m->tensors[static_cast<size_t>(in)];
      t.live_until = std::max(t.live_until, i);
    }
    QTensor& o = m->tensors[static_cast<size_t>(op.outputs.at(0))];
    if (produced[static_cast<size_t>(op.outputs[0])]) Fail("internal error: tensor '", o.name, "' written twice");
    produced[static_cast<size_t>(op.outputs[0])] = true;
    o.live_from = i;
    o.live_until = std::max(o.live_until, i);
  }
  for (int in : m->inputs) {
    QTensor& t = m->tensors[static_cast<size_t>(in)];
    t.live_from = -1;
    t.live_until = std::max(t.live_until, -1);
  }
  for (int out : m->outputs) m->tensors[static_cast<size_t>(out)].live_until = num_ops;
  // Blocks: one per tensor, RESHAPE outputs join their input's block (a chain, never two
  // views of one tensor, which the runtime's overlap check would reject).
  std::vector<int> block_of(nt, -1);
  std::vector<bool> has_view(nt, false);
  std::vector<Block> blocks;
  auto is_act = [&](int t) { return t >= 0 && !m->tensors[static_cast<size_t>(t)].is_const; };
  auto used = [&](int t) {
    const QTensor& q = m->tensors[static_cast<size_t>(t)];
    return q.live_from >= 0 || std::find(m->inputs.begin(), m->inputs.end(), t) != m->inputs.end();
  };
  auto new_block = [&](int t) {
    Block b;
    const QTensor& q = m->tensors[static_cast<size_t>(t)];
    b.size = AlignUp(std::max<int64_t>(q.bytes(), 1));
    b.from = q.live_from;
    b.until = q.live_until;
    b.tensors = {t};
    blocks.push_back(b);
    block_of[static_cast<size_t>(t)] = static_cast<int>(blocks.size()) - 1;
  };
  for (int in : m->inputs) new_block(in);
  for (int i = 0; i < num_ops; ++i) {
    const QOp& op = m->ops[static_cast<size_t>(i)];
    const int out = op.outputs[0];
    const int in = op.inputs.empty() ? -1 : op.inputs[0];
    if (!no_reuse && op.kind == LKind::kReshape && is_act(in) && !has_view[static_cast<size_t>(in)] &&
        block_of[static_cast<size_t>(in)] >= 0) {
      has_view[static_cast<size_t>(in)] = true;
      Block& b = blocks[static_cast<size_t>(block_of[static_cast<size_t>(in)])];
      const QTensor& q = m->tensors[static_cast<size_t>(out)];
      b.until = std::max(b.until, q.live_until);
      b.size = std::max(b.size, AlignUp(q.bytes()));
      b.tensors.push_back(out);
      block_of[static_cast<size_t>(out)] = block_of[static_cast<size_t>(in)];
      continue;
    }
    new_block(out);
  }
  for (int i = 0; i < num_ops; ++i) {
    QOp& op = m->ops[static_cast<size_t>(i)];
    op.scratch_bytes = static_cast<int32_t>(ScratchBytes(*m, op));
    op.scratch_offset = -1;
    if (op.scratch_bytes > 0) {
      Block b;
      b.size = AlignUp(op.scratch_bytes);
      b.from = b.until = i;
      b.scratch_op = i;
      blocks.push_back(b);
    }
  }
  for (size_t t = 0; t < nt; ++t)
    if (is_act(static_cast<int>(t)) && block_of[t] < 0 && used(static_cast<int>(t)))
      Fail("internal error: tensor '", m->tensors[t].name, "' has no producer");

  std::string best_name;
  int64_t best_total = -1;
  std::vector<Block> best;
  std::vector<size_t> order(blocks.size());
  std::iota(order.begin(), order.end(), 0);
  auto life = [&](const Block& b) { return static_cast<int64_t>(b.until - b.from + 1); };
  struct Heuristic {
    const char* name;
    std::function<bool(const Block&, const Block&)> less;
  };
  std::vector<Heuristic> hs;
  if (no_reuse) {
    hs.push_back({"no-reuse", nullptr});
  } else {
    hs.push_back({"greedy-by-size", [](const Block& a, const Block& b) {
                    return a.size != b.size ? a.size > b.size : a.from < b.from; }});
    hs.push_back({"greedy-by-first-use", [](const Block& a, const Block& b) {
                    return a.from != b.from ? a.from < b.from : a.size > b.size; }});
    hs.push_back({"greedy-by-size-x-lifetime", [&](const Block& a, const Block& b) {
                    const int64_t x = a.size * life(a), y = b.size * life(b);
                    return x != y ? x > y : a.from < b.from; }});
    hs.push_back({"greedy-by-lifetime", [&](const Block& a, const Block& b) {
                    return life(a) != life(b) ? life(a) > life(b) : a.size > b.size; }});
  }
  for (const Heuristic& h : hs) {
    std::vector<Block> bl = blocks;
    int64_t total = 0;
    if (!h.less) {
      for (Block& b : bl) {
        b.offset = total;
        total = AlignUp(total + b.size);
      }
    } else {
      std::vector<size_t> ord = order;
      std::stable_sort(ord.begin(), ord.end(), [&](size_t a, size_t b) { return h.less(bl[a], bl[b]); });
      total = Place(bl, ord);
    }
    if (best_total < 0 || total < best_total) {
      best_total = total;
      best = bl;
      best_name = h.name;
    }
  }
  if (best_total > 0x7fffffff) Fail("the arena plan needs ", best_total, " bytes, beyond 2 GiB");
  for (const Block& b : best) {
    for (int t : b.tensors) m->tensors[static_cast<size_t>(t)].arena_offset = static_cast<int32_t>(b.offset);
    if (b.scratch_op >= 0) m->ops[static_cast<size_t>(b.scratch_op)].scratch_offset = static_cast<int32_t>(b.offset);
  }
  m->arena_bytes = static_cast<uint32_t>(best_total);
  return best_name;
}

}  // namespace converter
}  // namespace qinfer
