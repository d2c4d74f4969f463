import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's order, but within a group the files that took longest last time start first
 * whatever their project: by default a group runs its projects one after the other, so the
 * integration files (the `cdklocal synth` check among them) waited for every e2e file to start.
 * Files with no recorded time keep Vitest's order, ahead of the others.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const duration = (spec: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(root, spec.moduleId)}`)
        ?.duration ?? Number.POSITIVE_INFINITY;
    const group = (spec: TestSpecification) => spec.project.config.sequence.groupOrder;
    // Array.prototype.sort is stable: equal keys keep Vitest's order.
    return sorted.sort((a, b) => group(a) - group(b) || duration(b) - duration(a));
  }
}
