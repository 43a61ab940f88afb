import { notAssessedFindings, type AlgorithmFinding, type AlgorithmManifest, type ReportFinding } from '@polyrad/sdk';

/** A plugin's findings as the report holds them: with the plugin and the series they were measured on. */
export function onSeries(findings: AlgorithmFinding[], manifest: AlgorithmManifest, seriesInstanceUid: string): ReportFinding[] {
  return findings.map((f) => ({ ...f, algorithm: { id: manifest.id, version: manifest.version }, seriesInstanceUid }));
}

/** The findings of a plugin that applies to the series but did not run: each declared code, not assessed. */
export function notAssessedHere(manifest: AlgorithmManifest, seriesInstanceUid: string, reason: string): ReportFinding[] {
  return onSeries(notAssessedFindings(manifest, reason), manifest, seriesInstanceUid);
}
