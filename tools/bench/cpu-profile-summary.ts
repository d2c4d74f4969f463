import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) a summary needs. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** Which thread: `main thread`, a function's logical id, or `worker`. */
  readonly label: string;
  readonly wallMs: number;
  /** Sampled time that was not idle. */
  readonly busyMs: number;
  /** Self time by where the code lives: an npm package, a project folder, Node.js itself, GC. */
  readonly byPlace: ReadonlyArray<{ place: string; ms: number }>;
  readonly byFunction: ReadonlyArray<{ fn: string; ms: number }>;
}

/**
 * Self time of a profile, grouped by package or folder and by function. `functions` maps a
 * function's asset directory (as in its bundle's URL) to its name, to label worker threads.
 */
export function summarizeCpuProfile(
  file: string,
  functions: Record<string, string> = {},
  top = 12,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  // node --cpu-prof names files CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile.
  const threadId = file.split('/').pop()?.split('.')[4];
  const asset = Object.keys(functions).find((dir) =>
    profile.nodes.some((n) => n.callFrame.url.includes(`/${dir}/`)),
  );
  const label = threadId === '0' ? 'main thread' : asset ? functions[asset]! : 'worker';
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)') return;
    busy += ms;
    const place = placeOf(frame.url, frame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
    const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  });
  const sorted = <K extends string>(map: Map<string, number>, key: K) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, ms]) =>
          ({ [key]: name, ms: Math.round(ms) }) as { [P in K]: string } & { ms: number },
      );
  return {
    file,
    label,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busy),
    byPlace: sorted(byPlace, 'place'),
    byFunction: sorted(byFunction, 'fn'),
  };
}

export function formatProfileSummary(s: ProfileSummary): string {
  const lines = [
    `${s.label} (${s.file.split('/').pop()}): busy ${s.busyMs} ms of ${s.wallMs} ms`,
    '  by place:',
    ...s.byPlace.map((p) => `    ${String(p.ms).padStart(7)} ms  ${p.place}`),
    '  by function (self time):',
    ...s.byFunction.map((f) => `    ${String(f.ms).padStart(7)} ms  ${f.fn}`),
  ];
  return lines.join('\n');
}

function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: (Node.js internals)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const project = /\/(emulator|services|scripts|stack|cdk\.out)\//.exec(url);
  if (project) return `${project[1]}/`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|work\/main)\//, '');
}
