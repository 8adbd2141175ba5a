// The HTTP overhead before and after the move from OpenTelemetry JS 2.x to 3.x (and the
// distribution's SDK pieces that came with it), measured by the same reduced bench:http
// invocation on both trees, interleaved: bench/results/http-sdk-line.json.

const ratio = (value) => `${value.toFixed(2)}×`;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export function httpSdkLineTable(result) {
  const rows = [
    '| variant | tree | requests/s ratio to bare, per pass | median | capacity ratio (by CPU), per pass | median |',
    '| --- | --- | --- | ---: | --- | ---: |',
  ];
  for (const variant of result.variants) {
    for (const tree of ['before', 'after']) {
      const passes = result[tree].passes.map((p) => p.variants[variant]);
      const byRequests = passes.map((v) => v.ratioToBare);
      const byCpu = passes.map((v) => v.cpuRatioToBare);
      rows.push(
        `| ${variant} | ${tree}: ${result[tree].label} | ${byRequests.map(ratio).join(', ')} | ${ratio(median(byRequests))} | ${byCpu.map(ratio).join(', ')} | ${ratio(median(byCpu))} |`,
      );
    }
  }
  const bare = (tree) => result[tree].passes.map((p) => Math.round(p.bareRequestsPerSecond)).join(', ');
  return [
    ...rows,
    '',
    `Method: \`${result.method}\` on both trees, passes interleaved (${result.order}), Node ${result.node}. Bare Fastify served ${bare('before')} requests/s in the passes before and ${bare('after')} after: the machine was shared and busy, so the absolute figures moved by more than 2× between passes and only ratios within one pass compare.`,
  ].join('\n');
}

export function httpSdkLineConclusion(result) {
  const medianOf = (tree, variant, key) => median(result[tree].passes.map((p) => p.variants[variant][key]));
  const parts = result.variants.map(
    (variant) =>
      `${variant} ${ratio(medianOf('before', variant, 'ratioToBare'))} → ${ratio(medianOf('after', variant, 'ratioToBare'))} of bare requests/s and ${ratio(medianOf('before', variant, 'cpuRatioToBare'))} → ${ratio(medianOf('after', variant, 'cpuRatioToBare'))} of bare capacity by CPU`,
  );
  return `**What to conclude:** before → after the change, ${parts.join('; ')}. ${result.note}`;
}
