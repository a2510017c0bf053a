import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/server-process';

/** The lint rule that keeps ARCHITECTURE.md's import directions must actually fire. */
describe('module boundaries', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
    return result.messages.filter((m) => m.ruleId === 'boundaries/dependencies' || m.ruleId === 'no-restricted-imports').map((m) => m.ruleId);
  };

  it('refuses libs/shared importing project code', async () => {
    expect(await lint('libs/shared/src/x.ts', "import { createApp } from '../../../apps/server/src/bootstrap';\nexport const a = createApp;\n")).toContain('boundaries/dependencies');
    expect(await lint('libs/shared/src/x.ts', "import { RENDER_WORKER_PATH } from '@reelcraft/inference';\nexport const a = RENDER_WORKER_PATH;\n")).toContain('no-restricted-imports');
  });

  it('refuses libs/inference importing an app, and the studio importing the server', async () => {
    expect(await lint('libs/inference/src/x.ts', "import { loadConfig } from '../../../apps/server/src/config/config';\nexport const a = loadConfig;\n")).toContain('boundaries/dependencies');
    expect(await lint('apps/studio/src/lib/x.ts', "import { loadConfig } from '../../../server/src/config/config';\nexport const a = loadConfig;\n")).toContain('boundaries/dependencies');
  });

  it('allows apps to import libs and libs/inference to import libs/shared', async () => {
    expect(await lint('apps/server/src/x.ts', "import { LIMITS } from '../../../libs/shared/src/limits';\nexport const a = LIMITS;\n")).toEqual([]);
    expect(await lint('libs/inference/src/x.ts', "import { LIMITS } from '../../shared/src/limits';\nexport const a = LIMITS;\n")).toEqual([]);
  });
});
