import dimse from 'dcmjs-dimse';
import { PolyradError } from '@polyrad/sdk';
import type { PriorPacsConfig } from './prior-pacs.config.js';

const { Client, constants, log, requests } = dimse;
// the library logs every association itself; a failed lookup is reported once, in the report
log.setLevel('silent');

export const PRIOR_PACS_UNREACHABLE = 'PRIOR_PACS_UNREACHABLE';
export const PRIOR_PACS_REFUSED = 'PRIOR_PACS_REFUSED';
export const PRIOR_PACS_MOVE_FAILED = 'PRIOR_PACS_MOVE_FAILED';

/** One study a C-FIND matched, DICOM keywords verbatim. */
export interface PacsStudy {
  StudyInstanceUID: string;
  StudyDate: string;
  ModalitiesInStudy: string[];
  AccessionNumber: string;
  StudyDescription: string;
}

/** A PACS holding a patient's years of studies answers a few hundred at most; more is kept out of memory. */
const MAX_MATCHES = 1000;
const PENDING = [constants.Status.Pending, 0xff01];

interface Answer {
  getStatus(): number;
  getErrorComment(): string | undefined;
  getDataset(): { getElements(): Record<string, unknown> } | undefined;
  getCompleted?(): number;
  getFailures?(): number;
  getWarnings?(): number;
}

/**
 * Sends one C-FIND or C-MOVE request from the platform's AE and collects the answers: the pending ones
 * (matches) and the final one. Rejects with a PolyradError naming the PACS when it cannot be reached,
 * refuses the association or answers with a failure status.
 */
function exchange(pacs: PriorPacsConfig, callingAe: string, request: InstanceType<typeof requests.CFindRequest> | InstanceType<typeof requests.CMoveRequest>, what: string): Promise<{ pending: Answer[]; final: Answer }> {
  const where = `prior PACS ${pacs.aeTitle}@${pacs.host}:${pacs.port}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    const pending: Answer[] = [];
    let final: Answer | undefined;
    let failure: PolyradError | undefined;
    request.on('response', (answer: Answer) => {
      if (PENDING.includes(answer.getStatus())) {
        if (pending.length < MAX_MATCHES) pending.push(answer);
      } else final = answer;
    });
    client.addRequest(request);
    client.on('associationRejected', (result: { reason: number }) => {
      failure = new PolyradError(PRIOR_PACS_REFUSED, `refused the association for ${what} (reason ${result.reason}): check its AE title and that it knows the AE ${callingAe}`, where);
    });
    client.on('networkError', (error: Error) => {
      // the library prefixes its messages with ' -> '
      failure ??= new PolyradError(PRIOR_PACS_UNREACHABLE, `not reachable for ${what}: ${error.message.replace(/^\s*->\s*/, '')}`, where);
      // 'closed' does not follow a connection that never opened
      settle();
    });
    client.on('closed', () => settle());
    let settled = false;
    function settle(): void {
      if (settled) return;
      settled = true;
      if (failure) reject(failure);
      else if (!final) reject(new PolyradError(PRIOR_PACS_UNREACHABLE, `the association closed before the answer to ${what}`, where));
      else resolve({ pending, final });
    }
    client.send(pacs.host, pacs.port, callingAe, pacs.aeTitle, { connectTimeout: pacs.timeoutMs, associationTimeout: pacs.timeoutMs, pduTimeout: pacs.timeoutMs });
  });
}

const statusText = (answer: Answer) => `status 0x${answer.getStatus().toString(16).padStart(4, '0')}${answer.getErrorComment() ? ` (${answer.getErrorComment()})` : ''}`;
const text = (value: unknown) => (Array.isArray(value) ? value.join('\\') : value === undefined || value === null ? '' : String(value)).trim();

/**
 * Study-level C-FIND: the CT studies of `patientId` dated before `beforeDate` (YYYYMMDD), newest first.
 * The date and modality are matched by the PACS and checked again here, since not every PACS honours
 * ModalitiesInStudy or date ranges.
 */
export async function findEarlierCtStudies(pacs: PriorPacsConfig, callingAe: string, patientId: string, beforeDate: string): Promise<PacsStudy[]> {
  const request = requests.CFindRequest.createStudyFindRequest({
    PatientID: patientId,
    StudyDate: `-${beforeDate}`,
    ModalitiesInStudy: 'CT',
    StudyInstanceUID: '',
    AccessionNumber: '',
    StudyDescription: '',
  });
  const { pending, final } = await exchange(pacs, callingAe, request, 'C-FIND');
  if (final.getStatus() !== constants.Status.Success) {
    throw new PolyradError(PRIOR_PACS_REFUSED, `answered the C-FIND with ${statusText(final)}`, `prior PACS ${pacs.aeTitle}@${pacs.host}:${pacs.port}`);
  }
  return pending
    .map((answer) => answer.getDataset()?.getElements() ?? {})
    .map((e) => ({
      StudyInstanceUID: text(e.StudyInstanceUID),
      StudyDate: text(e.StudyDate),
      ModalitiesInStudy: text(e.ModalitiesInStudy).split('\\').filter(Boolean),
      AccessionNumber: text(e.AccessionNumber),
      StudyDescription: text(e.StudyDescription),
    }))
    .filter((s) => s.StudyInstanceUID !== '' && /^\d{8}$/.test(s.StudyDate) && s.StudyDate < beforeDate && showsCt(s))
    .sort((a, b) => b.StudyDate.localeCompare(a.StudyDate));
}

/** An empty ModalitiesInStudy (a PACS that does not return it) is trusted to have matched the query. */
const showsCt = (s: PacsStudy) => s.ModalitiesInStudy.length === 0 || s.ModalitiesInStudy.includes('CT');

/**
 * Study-level C-MOVE of `studyInstanceUid` to the AE `destinationAe` (the platform's own SCP, which the PACS
 * must know by AE title, address and port). Resolves with how many instances the PACS sent once it has
 * answered the last sub-operation; rejects when it sent none or reported failures.
 */
export async function moveStudy(pacs: PriorPacsConfig, callingAe: string, destinationAe: string, studyInstanceUid: string): Promise<{ completed: number }> {
  const request = requests.CMoveRequest.createStudyMoveRequest(destinationAe, studyInstanceUid);
  const { final } = await exchange(pacs, callingAe, request, `C-MOVE of study ${studyInstanceUid}`);
  const completed = final.getCompleted?.() ?? 0;
  const failures = final.getFailures?.() ?? 0;
  const where = `prior PACS ${pacs.aeTitle}@${pacs.host}:${pacs.port}`;
  if (final.getStatus() !== constants.Status.Success || failures > 0 || completed === 0) {
    throw new PolyradError(PRIOR_PACS_MOVE_FAILED, `the C-MOVE of study ${studyInstanceUid} to ${destinationAe} failed: ${statusText(final)}, ${completed} instances sent, ${failures} failed`, where);
  }
  return { completed };
}
