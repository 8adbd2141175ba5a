/** The packages the register bundle loads from node_modules instead of carrying them. */
export declare const EXTERNAL: readonly string[];
/** The version of @opentelemetry/api resolved from `from` (default: this package). */
export declare function installedApiVersion(from?: string): string;
/** Writes dist/bundle/ from dist/start.js and dist/cli/run-cli.js; resolves with esbuild's metafile of start.js. */
export declare function bundleRegister(): Promise<unknown>;
