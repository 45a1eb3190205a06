import { readFileSync } from 'node:fs';
import { z } from 'zod';

const labelledNetwork = z.object({
  asn: z.number().int().positive(),
  name: z.string(),
  kind: z.enum(['hosting', 'isp', 'business']),
  country: z.string().length(2),
  continent: z.enum(['Africa', 'Asia', 'Europe', 'North America', 'Oceania', 'South America']),
  source: z.string().min(1),
});
export type LabelledNetwork = z.infer<typeof labelledNetwork>;

function read(file: string): LabelledNetwork[] {
  return z.array(labelledNetwork).parse(JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')));
}

/** Networks the classifier was tuned on, including three earlier held-out sets that were seen while tuning. */
export const TUNING_NETWORKS = read('networks-tuning.json');
/** Networks written after the last change to the classifier and scored once; see network-kind.test.ts. */
export const HELD_OUT_NETWORKS = read('networks-held-out.json');
/**
 * Written blind for the next claim of the classifier's accuracy and not yet scored: nothing here
 * runs the classifier on it (see fixtures/README.md). Scored once by the session that next
 * changes the classifier, then moved into the tuning set.
 */
export const NEXT_HELD_OUT_NETWORKS = read('networks-held-out-next.json');
