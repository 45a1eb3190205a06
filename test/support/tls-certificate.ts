import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TlsCertificate {
  readonly key: string;
  readonly cert: string;
}

/**
 * A self-signed certificate for a test's own TLS server, made by the
 * machine's openssl; a client trusts it by taking `cert` as its CA. Names and
 * addresses go in the subjectAltName, as a public site's would.
 */
export async function selfSignedCertificate(subjects: { dns?: readonly string[]; ip?: readonly string[] }): Promise<TlsCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'lg-tls-'));
  try {
    const san = [...(subjects.dns ?? []).map((name) => `DNS:${name}`), ...(subjects.ip ?? []).map((ip) => `IP:${ip}`)].join(',');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', '/CN=leadgraph-test', '-addext', `subjectAltName=${san}`,
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
