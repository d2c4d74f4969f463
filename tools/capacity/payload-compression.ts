import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { CATALOGUES } from '../signing-proxy/catalogue/catalogues.js';
import { writeUnits } from './capacity-model.js';

/*
 * What compressing stored bodies would save: for every catalogue event (real-shaped bodies) and
 * a 5 MB GitHub push, the body's size raw, gzip (level 6) and Brotli (quality 5), and the
 * write units of capture's transaction when the body is inline (two items; a transactional
 * write costs 2 WRU per started KB). Run: `npx tsx tools/capacity/payload-compression.ts` for
 * every event; `npm run capacity` sums them up per provider in docs/capacity.md.
 */

export interface CompressionRow {
  readonly provider: string;
  readonly name: string;
  readonly raw: number;
  readonly gzip: number;
  readonly brotli: number;
  /** Capture's transaction with the body inline, raw and gzip-compressed. */
  readonly wruRaw: number;
  readonly wruGzip: number;
}

/** The WEBHOOK item without its body (keys, ids, times, kept headers, size, SHA-256): about. */
const ITEM_OVERHEAD_BYTES = 700;
/** The STATUS item capture writes beside it. */
const STATUS_ITEM_BYTES = 400;

const transactionWru = (bodyBytes: number) =>
  writeUnits(bodyBytes + ITEM_OVERHEAD_BYTES, true) + writeUnits(STATUS_ITEM_BYTES, true);

function measure(provider: string, name: string, body: string): CompressionRow {
  const raw = Buffer.byteLength(body);
  const gzip = gzipSync(body, { level: 6 }).byteLength;
  const brotli = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 5 },
  }).byteLength;
  return {
    provider,
    name,
    raw,
    gzip,
    brotli,
    wruRaw: transactionWru(raw),
    wruGzip: transactionWru(gzip),
  };
}

/** Every catalogue event's body, measured. */
export function catalogueCompression(): CompressionRow[] {
  return CATALOGUES.flatMap((catalogue) =>
    Object.entries(catalogue.events).map(([type, entry]) =>
      measure(
        catalogue.provider,
        `${catalogue.provider} ${type}`,
        JSON.stringify(entry.build().body),
      ),
    ),
  );
}

/** A GitHub push of 5 MB (the catalogue's push with generated commits), measured. */
export function largePushCompression(): CompressionRow {
  const push = CATALOGUES.find((c) => c.provider === 'github')!.events.push!.build().body as {
    commits: Array<Record<string, unknown>>;
  };
  const commit = push.commits[0]!;
  for (
    let i = 0;
    push.commits.length % 50 !== 0 || Buffer.byteLength(JSON.stringify(push)) < 5 * 1024 * 1024;
    i++
  ) {
    push.commits.push({
      ...commit,
      id: i.toString(16).padStart(40, '0'),
      message: `Regenerate fixtures, part ${i}`,
      modified: Array.from({ length: 40 }, (_, f) => `fixtures/generated/part-${i}/file-${f}.json`),
    });
  }
  return measure('github', 'github push, 5 MB', JSON.stringify(push));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = [...catalogueCompression(), largePushCompression()];
  console.log('| body | raw bytes | gzip | Brotli | capture WRU inline, raw | gzip |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.raw} | ${r.gzip} (${Math.round((100 * r.gzip) / r.raw)}%) | ${r.brotli} | ${r.wruRaw} | ${r.wruGzip} |`,
    );
  }
}
