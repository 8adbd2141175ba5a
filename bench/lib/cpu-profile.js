// Splits a V8 `.cpuprofile` (node --cpu-prof) of the export bench's app into the stages of the
// durable pipeline: each sample goes to the stage of the first frame, from the leaf up, that belongs
// to one (so a native CRC called from the framing code counts as framing, a Buffer.concat called by
// the sender as concatenation). Samples in no stage go to the SDK, the app, GC or "other".

const RULES = [
  [
    'frame',
    (u) => /disk-queue\/dist\/(disk-queue|staging|append-buffer|record-frame|crc32|encryption)\.js/.test(u),
  ],
  [
    'read',
    (u) => /disk-queue\/dist\/(segment-reader|queue-reads|segment-read-handle|queue-cursor)\.js/.test(u),
  ],
  ['write', (u) => /disk-queue\/dist\/(segment-files|group-commit|flight|segment-store|ledger)\.js/.test(u)],
  ['compress', (u) => u === 'node:zlib' || /exporter\/dist\/fragment-format\.js/.test(u)],
  ['concat', (u) => /exporter\/dist\/queued-sender\.js/.test(u)],
  [
    'http',
    (u) =>
      /^node:(_http_|http$|https$|net$|stream|internal\/streams|internal\/stream_base)/.test(u) ||
      /exporter\/dist\/(http-transport|instrumented-transport|failover-transport|retrying-transport|classify-outcome)\.js/.test(
        u,
      ),
  ],
  ['encode', (u) => /\/otlp\/dist\//.test(u)],
  // The SDK's emit and the durable processor taking the record (fragment-encoder's add).
  [
    'sdk',
    (u) =>
      /@opentelemetry\//.test(u) || /exporter\/dist\/(fragment-encoder|durable-[a-z-]*processor)\.js/.test(u),
  ],
  ['app', (u) => /bench\/export\.js$/.test(u)],
];

/**
 * Milliseconds of main-thread samples per stage, with the total sampled (idle excluded). `window`:
 * [from, to] in µs of the monotonic clock (process.hrtime), the part of the profile to count.
 */
export function categorizeCpuProfile(profile, window = [-Infinity, Infinity]) {
  const byId = new Map();
  for (const node of profile.nodes) byId.set(node.id, node);
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOf = new Map();
  const classify = (id) => {
    if (stageOf.has(id)) return stageOf.get(id);
    const node = byId.get(id);
    const name = node.callFrame.functionName;
    let stage;
    if (name === '(idle)') stage = 'idle';
    else if (name === '(program)') stage = 'native';
    else if (name === '(garbage collector)') stage = 'gc';
    else {
      const url = node.callFrame.url.replace(/^file:\/\//, '');
      stage = RULES.find(([, test]) => test(url))?.[0];
      if (stage === undefined) stage = parent.has(id) ? classify(parent.get(id)) : 'other';
    }
    stageOf.set(id, stage);
    return stage;
  };
  const ms = {};
  const otherFrames = {};
  let totalMs = 0;
  const { samples, timeDeltas } = profile;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (at < window[0] || at > window[1]) continue;
    const stage = classify(samples[i]);
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    if (stage === 'idle') continue;
    ms[stage] = (ms[stage] ?? 0) + dt;
    totalMs += dt;
    const { functionName, url } = byId.get(samples[i]).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}`;
    const frames = (otherFrames[stage] ??= {});
    frames[key] = (frames[key] ?? 0) + dt;
  }
  // The heaviest leaf frames of each stage (of "other": those that fell in no stage), to read them by.
  const top = (frames, n) =>
    Object.entries(frames ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, frameMs]) => ({ frame, ms: frameMs }));
  const topFrames = Object.fromEntries(Object.keys(otherFrames).map((k) => [k, top(otherFrames[k], 4)]));
  return { ms, totalMs, topOther: top(otherFrames.other, 8), topFrames };
}
