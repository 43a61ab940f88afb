import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactDiagnostics } from './diagnostics.redactor.js';

test('keeps the plugin package lines of a stack, and removes patient identifiers and every other path', () => {
  const stack = [
    'Error: cannot segment DOE^JANE (PID-4711)',
    '    at run (file:///srv/polyrad/data/plugins/acme/1.0.0/dist/index.js:12:9)',
    '    at load (/srv/polyrad/data/store/ab/cd/1.2.3.dcm:1:1)',
    '    at process (node:internal/process/task_queues:95:5)',
  ].join('\n');
  const stderr = 'reading /tmp/polyrad-job-x1/job.json for DOE JANE, accession ACC-99\n';
  const out = redactDiagnostics({ stack, stderr }, ['DOE^JANE', 'PID-4711', 'ACC-99'], '/srv/polyrad/data/plugins/acme/1.0.0');
  assert.equal(
    out?.stack,
    ['Error: cannot segment [patient] ([patient])', '    at run (<package>/dist/index.js:12:9)', '    at load ([path]:1:1)', '    at process (node:internal/process/task_queues:95:5)'].join('\n'),
  );
  assert.equal(out?.stderr, 'reading [path] for [patient], accession [patient]\n');
  for (const secret of ['DOE', 'JANE', 'PID-4711', 'ACC-99', '/srv/polyrad/data/store', '/tmp/']) assert.ok(!JSON.stringify(out).includes(secret), secret);
});

test('nothing to show is no diagnostics', () => {
  assert.equal(redactDiagnostics({ stderr: '  \n' }, ['X'], '/p'), undefined);
});
