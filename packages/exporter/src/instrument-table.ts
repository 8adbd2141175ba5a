import type {
  Counter,
  Histogram,
  Meter,
  MetricOptions,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';

/** The instrument kinds a table row can name, with what the meter returns for each. */
interface InstrumentOfKind {
  counter: Counter;
  upDownCounter: UpDownCounter;
  histogram: Histogram;
  observableCounter: ObservableCounter;
  observableGauge: ObservableGauge;
  observableUpDownCounter: ObservableUpDownCounter;
}

export type InstrumentKind = keyof InstrumentOfKind;

/** One instrument: its kind, name, unit and description, and any further options (advice, value type). */
export type InstrumentRow = readonly [
  kind: InstrumentKind,
  name: string,
  unit: string,
  description: string,
  options?: MetricOptions,
];

/** A table: a row for each instrument, or undefined where one is not wanted in this configuration. */
export type InstrumentTable = Record<string, InstrumentRow | undefined>;

/** The instruments of a table, under the table's keys (undefined where the row is). */
export type Instruments<T extends InstrumentTable> = { -readonly [K in keyof T]: InstrumentOf<T[K]> };

type InstrumentOf<R> = R extends InstrumentRow ? InstrumentOfKind[R[0]] : undefined;

const CREATE: {
  [K in InstrumentKind]: (meter: Meter, name: string, options: MetricOptions) => InstrumentOfKind[K];
} = {
  counter: (meter, name, options) => meter.createCounter(name, options),
  upDownCounter: (meter, name, options) => meter.createUpDownCounter(name, options),
  histogram: (meter, name, options) => meter.createHistogram(name, options),
  observableCounter: (meter, name, options) => meter.createObservableCounter(name, options),
  observableGauge: (meter, name, options) => meter.createObservableGauge(name, options),
  observableUpDownCounter: (meter, name, options) => meter.createObservableUpDownCounter(name, options),
};

/**
 * Creates the instruments a table describes, in the table's order, so that a set of metrics reads
 * as one list of names, units and descriptions:
 *
 *   const { cpuTime } = createInstruments(meter, {
 *     cpuTime: ['observableCounter', 'process.cpu.time', 's', 'CPU time used by the process, by mode'],
 *   });
 */
export function createInstruments<const T extends InstrumentTable>(meter: Meter, table: T): Instruments<T> {
  const instruments: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(table)) {
    if (row === undefined) continue; // the key reads undefined
    const [kind, name, unit, description, options] = row;
    instruments[key] = CREATE[kind](meter, name, { ...options, unit, description });
  }
  return instruments as Instruments<T>;
}
