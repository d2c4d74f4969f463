import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { synthesizeLocalStack } from '../../emulator/synthesize.js';
import { resourcesOfType } from '../../emulator/template.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BundleSize {
  /** The function's logical id in the template (CaptureFunction…). */
  readonly function: string;
  readonly handler: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/**
 * Each function's deployment bundle as `cdk synth` builds it (esbuild, minified ESM, the AWS SDK
 * left to the runtime): the size of its index.mjs, and gzipped (level 9, near what the zip
 * uploaded to Lambda weighs).
 */
export async function measureBundles(): Promise<BundleSize[]> {
  const outdir = join(PROJECT_ROOT, 'cdk.out', `bench-${randomUUID().slice(0, 8)}`);
  try {
    const { template, assemblyDir } = await synthesizeLocalStack({ outdir, env: {} });
    return resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId, resource]) => {
      const assetPath = String(resource.Metadata?.['aws:asset:path']);
      const handler = String(resource.Properties?.Handler ?? '');
      const file = `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`;
      const code = readFileSync(join(assemblyDir, assetPath, file));
      return {
        function: logicalId.replace(/[0-9A-F]{8}$/, ''),
        handler,
        bytes: code.length,
        gzipBytes: gzipSync(code, { level: 9 }).length,
      };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
