import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/server-process';

/** The lint rule that keeps docs/ARCHITECTURE.md's import directions must actually fire. */
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

  it('refuses a studio .svelte component importing the server, inference or the filter engine', async () => {
    const component = (from: string) => `<script lang="ts">\n  import { a } from '${from}';\n</script>\n<p>{a}</p>\n`;
    expect(await lint('apps/studio/src/lib/X.svelte', component('../../../server/src/config/config'))).toContain('boundaries/dependencies');
    expect(await lint('apps/studio/src/lib/X.svelte', component('@reelcraft/inference'))).toContain('no-restricted-imports');
    expect(await lint('apps/studio/src/lib/X.svelte', component('@reelcraft/filter'))).toContain('no-restricted-imports');
    expect(await lint('apps/studio/src/lib/X.svelte', component('@reelcraft/shared'))).toEqual([]);
  });

  it('lets libs/filter import libs/shared only, and keeps the studio and inference away from it', async () => {
    expect(await lint('libs/filter/src/x.ts', "import { LIMITS } from '../../shared/src/limits';\nexport const a = LIMITS;\n")).toEqual([]);
    expect(await lint('libs/filter/src/x.ts', "import { loadConfig } from '../../../apps/server/src/config/config';\nexport const a = loadConfig;\n")).toContain('boundaries/dependencies');
    expect(await lint('libs/filter/src/x.ts', "import { RENDER_WORKER_PATH } from '../../inference/src/index';\nexport const a = RENDER_WORKER_PATH;\n")).toContain('boundaries/dependencies');
    expect(await lint('libs/filter/src/x.ts', "import { RENDER_WORKER_PATH } from '@reelcraft/inference';\nexport const a = RENDER_WORKER_PATH;\n")).toContain('no-restricted-imports');
    expect(await lint('libs/inference/src/x.ts', "import { a } from '../../filter/src/index';\nexport const b = a;\n")).toContain('boundaries/dependencies');
    expect(await lint('apps/studio/src/lib/x.ts', "import { a } from '../../../../libs/filter/src/index';\nexport const b = a;\n")).toContain('boundaries/dependencies');
    expect(await lint('apps/server/src/x.ts', "import { a } from '../../../libs/filter/src/index';\nexport const b = a;\n")).toEqual([]);
  });

  it('allows apps to import libs and libs/inference to import libs/shared', async () => {
    expect(await lint('apps/server/src/x.ts', "import { LIMITS } from '../../../libs/shared/src/limits';\nexport const a = LIMITS;\n")).toEqual([]);
    expect(await lint('libs/inference/src/x.ts', "import { LIMITS } from '../../shared/src/limits';\nexport const a = LIMITS;\n")).toEqual([]);
  });
});
