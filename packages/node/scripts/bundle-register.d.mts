/** The packages the register bundle loads from node_modules instead of carrying them. */
export declare const EXTERNAL: readonly string[];
/** Writes dist/bundle/start.js from dist/start.js; resolves with esbuild's metafile. */
export declare function bundleRegister(): Promise<unknown>;
