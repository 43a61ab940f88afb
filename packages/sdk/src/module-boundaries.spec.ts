import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../../', import.meta.url));

// The SDK and plugins must stay installable by vendors without the platform's server stack.
test('the SDK and plugins cannot import NestJS, TypeORM or pg; the platform can', async () => {
  execSync('npx nx show projects', { cwd: root, stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  const eslint = new ESLint({ cwd: root });
  const lint = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: `${root}${file}` }))[0].messages
      .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
      .map((m) => m.message);
  assert.match((await lint('packages/sdk/src/probe.ts', "import '@nestjs/common';\n"))[0] ?? '', /not allowed to import "@nestjs\/common"/);
  assert.match((await lint('packages/algorithms/emphysema/src/probe.ts', "import 'typeorm';\n"))[0] ?? '', /not allowed to import "typeorm"/);
  assert.match((await lint('packages/algorithms/emphysema/src/probe.ts', "import 'pg';\n"))[0] ?? '', /not allowed to import "pg"/);
  assert.deepEqual(await lint('apps/platform/src/probe.ts', "import '@nestjs/common';\n"), []);
  // A shipped plugin may not depend on the phantom; its tests may, for ground truth.
  assert.equal((await lint('packages/algorithms/emphysema/src/probe.ts', "import '@polyrad/phantom';\n")).length, 1);
  assert.deepEqual(await lint('packages/algorithms/emphysema/src/probe.spec.ts', "import '@polyrad/phantom';\n"), []);
});
