/** A service URL without its password, for messages and logs; `unparsable` stands in for one that is not a URL. */
export function redactedUrl(url: string, unparsable = '(invalid URL)'): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return unparsable;
  }
}
