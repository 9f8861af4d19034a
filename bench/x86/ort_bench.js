// ONNX Runtime (npm onnxruntime-node, CPU execution provider) whole-model latency: one intra-op
// and one inter-op thread, all graph optimizations, a fixed random input; per model, REPS
// repetitions of timed runs (each at least MIN_MS long) after warm-up, and the medians of the
// repetitions' per-inference wall-clock and process CPU times (on a shared machine the CPU
// time is the one that compares with Google Benchmark's cpu_time). One JSON line per model.
// usage: NODE_PATH=<dir with node_modules> node bench/x86/ort_bench.js MODEL.onnx...
'use strict';
const ort = require('onnxruntime-node');

const REPS = 3;
const MIN_MS = 1000;

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeModel(path) {
  const session = await ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const name = session.inputNames[0];
  const dims = path.includes('mobilenetv2') ? [1, 3, 224, 224]
             : path.includes('blazeface') ? [1, 128, 128, 3] : [1, 1, 28, 28];
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  let x = 12345;
  for (let i = 0; i < count; ++i) {
    x = (x * 1103515245 + 12345) % 2147483648;
    data[i] = (x / 2147483648) * 2 - 1;
  }
  const feeds = {[name]: new ort.Tensor('float32', data, dims)};
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const wall = [], cpu = [];
  for (let r = 0; r < REPS; ++r) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let elapsed = 0;
    while (elapsed < MIN_MS * 1e6) {
      await session.run(feeds);
      ++n;
      elapsed = Number(process.hrtime.bigint() - t0);
    }
    const c = process.cpuUsage(c0);
    wall.push(elapsed / n / 1e3);  // us per inference
    cpu.push((c.user + c.system) / n);
  }
  return {model: path.split('/').pop().replace('.onnx', ''), wall_us: median(wall),
          cpu_us: median(cpu)};
}

(async () => {
  console.log(JSON.stringify({onnxruntime: require('onnxruntime-node/package.json').version}));
  for (const path of process.argv.slice(2)) console.log(JSON.stringify(await timeModel(path)));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
