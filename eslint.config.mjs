import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries (DESIGN.md): the SDK and plugins stay framework-free so vendors can build
// them without the platform; only the platform may use NestJS, TypeORM and pg.
const serverOnly = ['@nestjs/*', 'typeorm', 'pg', '@electric-sql/*'];

/** Tests may also use the phantom (ground truth) and chain plugins end to end; shipped code may not. */
function boundaries({ tests }) {
  const pluginMay = tests ? ['scope:sdk', 'scope:shared', 'scope:plugin'] : ['scope:sdk'];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      depConstraints: [
        { sourceTag: 'scope:sdk', onlyDependOnLibsWithTags: [], bannedExternalImports: serverOnly },
        { sourceTag: 'scope:plugin', onlyDependOnLibsWithTags: pluginMay, bannedExternalImports: serverOnly },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:sdk', 'scope:shared'], bannedExternalImports: serverOnly },
        { sourceTag: 'scope:ui', onlyDependOnLibsWithTags: ['scope:sdk'], bannedExternalImports: serverOnly },
        { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:sdk', 'scope:shared', 'scope:plugin'] },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', '**/vite.config.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries({ tests: false }),
    },
  },
  { files: ['**/*.spec.ts'], rules: { '@nx/enforce-module-boundaries': boundaries({ tests: true }) } },
);
