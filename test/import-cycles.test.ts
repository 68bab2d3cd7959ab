/**
 * No import cycle in the workspace's sources: dpdm parses every .ts file of each package
 * (type-only imports and dynamic import() count, as the compiler sees them) and the test
 * fails printing each cycle found, file by file.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';

const ROOT = join(import.meta.dirname, '..');

async function cyclesOf(pkg: string): Promise<string[]> {
  const tree = await parseDependencyTree(`packages/${pkg}/src/**/*.ts`, {
    context: ROOT,
    cwd: ROOT,
    transform: false,            // keep type-only imports: a cycle through types is still a cycle
    skipDynamicImports: false,
  });
  const files = Object.keys(tree).filter((f) => f.startsWith(`packages/${pkg}/src/`));
  expect(files.length).toBeGreaterThan(5);   // the glob did match this package's files
  return parseCircular(tree).map((c) => [...c, c[0]].join(' -> '));
}

describe('import cycles', () => {
  for (const pkg of ['proto', 'agent', 'collector']) {
    it(`packages/${pkg} has none`, async () => {
      const cycles = await cyclesOf(pkg);
      expect(cycles, `import cycles in packages/${pkg}:\n  ${cycles.join('\n  ')}`).toEqual([]);
    });
  }
});
