import { useEffect, useState } from 'react';
import { fetchHealth, type HealthState } from './health.js';

const STEPS: Array<[string, string]> = [
  ['Input', 'Studies arrive from scanners and PACS over DICOM, DICOMweb or a folder import.'],
  ['Dispatch', 'Each series is fingerprinted and matched against every enabled algorithm, from any vendor.'],
  ['Results', 'Algorithms run isolated; their outputs are merged into one structured, multi-organ report.'],
  ['Delivery', 'The report goes to PACS (DICOM SR), RIS (HL7), EHR (FHIR) and PDF.'],
  ['Improvement', 'Radiologist corrections measure every algorithm version over time.'],
];

export function App() {
  const [state, setState] = useState<HealthState>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    fetchHealth(controller.signal).then(setState, () => undefined);
    return () => controller.abort();
  }, []);

  return (
    <main>
      <header>
        <h1>Polyrad</h1>
        <p className="lead">
          One open platform that turns every imaging study into one AI-prepared, multi-organ report: it runs every
          applicable algorithm, merges the results with reference values, compares with prior exams and delivers the
          report to PACS, RIS and EHR.
        </p>
      </header>
      <section aria-labelledby="status-title">
        <h2 id="status-title">Server status</h2>
        <StatusLine state={state} />
      </section>
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">How it works</h2>
        <ol className="steps">
          {STEPS.map(([title, text]) => (
            <li key={title}>
              <strong>{title}.</strong> {text}
            </li>
          ))}
        </ol>
      </section>
      <footer>The marketplace (publish, enable, read and sign) is coming; this page is a placeholder.</footer>
    </main>
  );
}

function StatusLine({ state }: { state: HealthState }) {
  if (state.kind === 'loading') return <p data-testid="health">Checking the server…</p>;
  if (state.kind === 'unreachable') {
    return (
      <p data-testid="health" className="status status-error">
        Server unreachable: {state.message}
      </p>
    );
  }
  const { health } = state;
  const ok = health.status === 'ok';
  return (
    <p data-testid="health" className={`status ${ok ? 'status-ok' : 'status-error'}`}>
      {ok ? 'Healthy' : `Unhealthy: ${health.reason ?? 'unknown reason'}`} · database {health.database} · version{' '}
      {health.version}
    </p>
  );
}
