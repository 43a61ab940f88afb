import { PolyradError } from '@polyrad/sdk/errors';

/** A typed error for a file that could not be opened or read, from the system error's code. */
export function unreadable(error: unknown, path: string): PolyradError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new PolyradError('DICOM_FILE_NOT_FOUND', 'no such file or folder', path);
  if (code === 'EISDIR') return new PolyradError('DICOM_NOT_DICOM', 'is a folder, not a DICOM file', path);
  if (code === 'EACCES' || code === 'EPERM') return new PolyradError('DICOM_UNREADABLE_FILE', 'permission denied; check the file permissions', path);
  return new PolyradError('DICOM_UNREADABLE_FILE', `could not be read (${code ?? String(error)})`, path);
}
