import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAsnTableBuilder, type AsnTableBuilder } from '../../intelligence/ip/asn-table-builder.js';
import type { AsnTable } from '../../intelligence/ip/asn-table.js';
import { createCsvRecordSplitter, CsvFormatError, type CsvRecord } from './csv-record-splitter.js';

export interface AsnDataset {
  readonly table: AsnTable;
  /** Rows read from each file (before overlapping rows are clipped; see `table.stats`). */
  readonly rows: { readonly ipv4: number; readonly ipv6: number };
  readonly loadMs: number;
}

export const IPV4_FILE = 'asn-ipv4-num.csv';
export const IPV6_FILE = 'asn-ipv6-num.csv';

/** Where npm installed @ip-location-db/asn (CC BY 4.0: RouteViews, DB-IP, NRO). */
export function asnDatasetDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json'));
}

/**
 * An ASN's name repeats on each of its ranges (thousands for the largest).
 * Comparing the field's bytes with the last name seen for that ASN skips
 * decoding it, and hands the builder the same string, whose hash V8 has
 * already computed: decoding and hashing every row's name took a large share of the load time.
 */
class OrganizationNames {
  private readonly byAsn = new Map<number, { bytes: Buffer; name: string }>();

  read(record: CsvRecord, field: number, asn: number): string {
    if (field >= record.length) return '';
    const known = this.byAsn.get(asn);
    if (known && record.rawEquals(field, known.bytes)) return known.name;
    const name = record.text(field);
    this.byAsn.set(asn, { bytes: record.raw(field), name });
    return name;
  }
}

type Family = 'ipv4' | 'ipv6';

const CHUNK_BYTES = 1 << 18;

/** Streams one `start,end,asn,"organisation"` file (inclusive numeric bounds) into the builder; returns its row count. */
async function readRanges(path: string, family: Family, builder: AsnTableBuilder, names: OrganizationNames): Promise<number> {
  let rows = 0;
  const width = family === 'ipv4' ? 1 : 4;
  const start = new Uint32Array(width);
  const end = new Uint32Array(width);
  const asn = new Uint32Array(1);
  const splitter = createCsvRecordSplitter((record) => {
    try {
      if (record.length < 3 || record.length > 4) throw new Error(`expected 4 fields, found ${record.length}`);
      if (!record.decimalWords(0, start) || !record.decimalWords(1, end)) throw new Error(`a bound is not an unsigned ${width * 32}-bit number`);
      if (!record.decimalWords(2, asn)) throw new Error('the ASN is not an unsigned 32-bit number');
      const number = asn[0] ?? 0;
      const organization = names.read(record, 3, number);
      if (family === 'ipv4') builder.addIpv4(start[0] ?? 0, end[0] ?? 0, number, organization);
      else builder.addIpv6Words(start, end, number, organization);
    } catch (error) {
      throw new Error(`${path}:${record.line}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    rows += 1;
  });
  // One buffer read into again and again: a stream's fresh chunk per read leaves the allocator holding
  // tens of megabytes of freed chunks in the process's resident memory long after the load.
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    while (true) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      splitter.push(buffer.subarray(0, bytesRead));
    }
    splitter.end();
  } catch (error) {
    if (error instanceof CsvFormatError) throw new Error(`${path}:${error.line}: ${error.reason}`, { cause: error });
    throw error;
  } finally {
    await file.close();
  }
  return rows;
}

/**
 * Reads the IPv4 and IPv6 range files into one lookup table. It takes about
 * a second and tens of megabytes, so a process loads it once and hands the
 * table to whoever needs it.
 */
export async function loadAsnDataset(options: { directory?: string } = {}): Promise<AsnDataset> {
  const started = performance.now();
  const directory = options.directory ?? asnDatasetDirectory();
  const builder = createAsnTableBuilder();
  const names = new OrganizationNames();
  const ipv4 = await readRanges(join(directory, IPV4_FILE), 'ipv4', builder, names);
  const ipv6 = await readRanges(join(directory, IPV6_FILE), 'ipv6', builder, names);
  const table = builder.build();
  return { table, rows: { ipv4, ipv6 }, loadMs: performance.now() - started };
}
