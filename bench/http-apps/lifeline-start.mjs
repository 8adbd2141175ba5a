// The distribution started by `start()` of @otel-lifeline/node instead of its register entry, for
// the two breakdown rows of bench:http that differ only in how the API instrumentation reports
// finished requests: each event-loop turn's together at its end (`batchReports`, the default) or
// each in its response's finish callback (BENCH_BATCH_REPORTS=false). Both rows start this way, so
// that nothing else differs between them (the register entry loads the same code bundled).
//
//   node --import ./lifeline-start.mjs app.cjs
import { start } from '@otel-lifeline/node';

start({ instrumentation: { batchReports: process.env.BENCH_BATCH_REPORTS !== 'false' } });
