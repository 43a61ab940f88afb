// ESLint needs Nx's project graph for @nx/enforce-module-boundaries; compute it first (no daemon,
// which would outlive CI), then lint the whole workspace. A whole-workspace run also checks the SDK's
// public API against its reviewed report (scripts/api-report.mjs; needs the build).
import { execSync } from 'node:child_process';

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const paths = process.argv.slice(2);
try {
  execSync('npx nx show projects', { stdio: 'ignore', env });
  execSync(`npx eslint --max-warnings 0 ${paths.join(' ') || '.'}`, { stdio: 'inherit', env });
  if (paths.length === 0) execSync('node scripts/api-report.mjs', { stdio: 'inherit', env });
} catch (error) {
  process.exit(error.status ?? 1);
}
