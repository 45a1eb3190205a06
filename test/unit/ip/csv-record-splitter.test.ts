import { describe, expect, it } from 'vitest';
import { createCsvRecordSplitter, CsvFormatError, type CsvRecord } from '../../../platform/ip-dataset/csv-record-splitter.js';

interface Seen {
  line: number;
  fields: string[];
}

function split(chunks: readonly Buffer[]): Seen[] {
  const seen: Seen[] = [];
  const splitter = createCsvRecordSplitter((record: CsvRecord) => {
    seen.push({ line: record.line, fields: Array.from({ length: record.length }, (_, i) => record.text(i)) });
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return seen;
}

/** Every way of cutting the input in two, so records straddle chunk boundaries at each byte. */
function everySplit(text: string): Seen[][] {
  const bytes = Buffer.from(text, 'utf8');
  return Array.from({ length: bytes.length + 1 }, (_, at) => split([bytes.subarray(0, at), bytes.subarray(at)]));
}

const SAMPLE = [
  '16777216,16777471,13335,"Cloudflare, Inc."',
  '35309568,35313663,201907,"LLC ""SPUTNIK"""',
  '16778240,16779263,38803,Gtelecom Pty Ltd',
  '1,2,3,"Zürich, Straße ""Ω"""',
  '4,5,6,"two',
  'lines"',
  '7,8,9,',
  '',
].join('\r\n');

const EXPECTED: Seen[] = [
  { line: 1, fields: ['16777216', '16777471', '13335', 'Cloudflare, Inc.'] },
  { line: 2, fields: ['35309568', '35313663', '201907', 'LLC "SPUTNIK"'] },
  { line: 3, fields: ['16778240', '16779263', '38803', 'Gtelecom Pty Ltd'] },
  { line: 4, fields: ['1', '2', '3', 'Zürich, Straße "Ω"'] },
  { line: 5, fields: ['4', '5', '6', 'two\r\nlines'] },
  { line: 7, fields: ['7', '8', '9', ''] },
];

describe('CSV record splitter', () => {
  it('splits quoted commas, doubled quotes, UTF-8, newlines in quotes and CRLF', () => {
    expect(split([Buffer.from(SAMPLE)])).toEqual(EXPECTED);
  });

  it('gives the same records however the bytes are cut into chunks', () => {
    for (const seen of everySplit(SAMPLE)) expect(seen).toEqual(EXPECTED);
  });

  it('takes a last line without a newline, and LF endings', () => {
    expect(split([Buffer.from('1,2\n\n3,"4"')])).toEqual([
      { line: 1, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('reports an unterminated quote and text after a closing quote with their line', () => {
    expect(() => split([Buffer.from('1,2\n3,"open')])).toThrow(CsvFormatError);
    expect(() => split([Buffer.from('1,2\n3,"open')])).toThrow(/line 2/);
    expect(() => split([Buffer.from('1,2\n3,"a"b\n')])).toThrow(/line 2: text after a closing quote/);
  });

  it('reads decimal fields into 32-bit words without strings or BigInt', () => {
    const values = ['0', '4294967295', '42540488161975842760550356425300246528', '340282366920938463463374607431768211455'];
    const results: Array<bigint | undefined> = [];
    const words = new Uint32Array(4);
    const one = new Uint32Array(1);
    const splitter = createCsvRecordSplitter((record) => {
      for (let i = 0; i < record.length; i += 1) {
        results.push(record.decimalWords(i, words) ? words.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n) : undefined);
      }
      expect(record.decimalWords(1, one)).toBe(true);
      expect(one[0]).toBe(4294967295);
      expect(record.decimalWords(2, one)).toBe(false);
    });
    splitter.push(Buffer.from(`${values.join(',')},340282366920938463463374607431768211456,12a,,-1\n`));
    splitter.end();
    expect(results).toEqual([...values.map(BigInt), undefined, undefined, undefined, undefined]);
  });

  it('compares a field with bytes without decoding it', () => {
    const splitter = createCsvRecordSplitter((record) => {
      expect(record.rawEquals(0, Buffer.from('a ""b"", c'))).toBe(true);
      expect(record.rawEquals(0, Buffer.from('a "b", c'))).toBe(false);
      expect(record.raw(0).toString()).toBe('a ""b"", c');
      expect(() => record.text(1)).toThrow(RangeError);
    });
    splitter.push(Buffer.from('"a ""b"", c"\n'));
    splitter.end();
  });
});
