// ESLint needs Nx's project graph for @nx/enforce-module-boundaries; compute it first (no daemon,
// which would outlive CI), then lint the whole workspace.
import { execSync } from 'node:child_process';

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
try {
  execSync('npx nx show projects', { stdio: 'ignore', env });
  execSync(`npx eslint --max-warnings 0 ${process.argv.slice(2).join(' ') || '.'}`, { stdio: 'inherit', env });
} catch (error) {
  process.exit(error.status ?? 1);
}
