/** What a failed run leaves its vendor to debug with: the stack of what the plugin threw and the end of its stderr. */
export interface RunDiagnostics {
  stack?: string;
  stderr?: string;
}

const MAX_CHARS = 16_000;
// an absolute path, bare or in a file:// URL, up to a quote, bracket, colon-line suffix or whitespace
const ABSOLUTE_PATH = /(?:file:\/\/)?(?<![\w.])\/[^\s'"`()<>,;:]+/g;

/**
 * The diagnostics with no patient data: every identifier of the study (PatientName, PatientID, AccessionNumber...)
 * and every path outside the plugin's own package (the study store, the job folder, the server's files) replaced.
 * Paths inside the package stay, relative to it, so the vendor finds the line in their code.
 */
export function redactDiagnostics(diagnostics: RunDiagnostics, identifiers: string[], packageDir: string): RunDiagnostics | undefined {
  const words = [...new Set(identifiers.flatMap((id) => [id, id.replaceAll('^', ' ').trim(), ...id.split('^')]).filter((w) => w.trim().length >= 3))].sort((a, b) => b.length - a.length);
  const root = packageDir.replace(/\/+$/, '');
  const clean = (text: string | undefined): string | undefined => {
    if (!text?.trim()) return undefined;
    let out = text.slice(-MAX_CHARS).replace(ABSOLUTE_PATH, (path) => {
      const bare = path.replace(/^file:\/\//, '');
      return bare === root || bare.startsWith(`${root}/`) ? `<package>${bare.slice(root.length)}` : '[path]';
    });
    for (const word of words) out = out.split(word).join('[patient]');
    return out;
  };
  const stack = clean(diagnostics.stack);
  const stderr = clean(diagnostics.stderr);
  return stack || stderr ? { ...(stack ? { stack } : {}), ...(stderr ? { stderr } : {}) } : undefined;
}
