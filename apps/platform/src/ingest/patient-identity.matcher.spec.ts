import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityConflicts, patientIdentityOf } from './patient-identity.matcher.js';

const jane = { PatientID: 'PAT-1', PatientName: 'Doe^Jane', PatientBirthDate: '19700101', IssuerOfPatientID: 'HOSP' };

describe('patient identity matching', () => {
  it('treats padding, trailing empty name components and name case as the same identity', () => {
    const held = patientIdentityOf(jane);
    const same = patientIdentityOf({ PatientID: 'PAT-1 ', PatientName: 'DOE^JANE^^^', PatientBirthDate: '19700101', IssuerOfPatientID: 'HOSP ' });
    assert.deepEqual(identityConflicts(held, same), []);
  });

  it('names every attribute that differs, an empty value included', () => {
    const held = patientIdentityOf(jane);
    const other = patientIdentityOf({ PatientID: 'PAT-2', PatientName: 'Doe^John', PatientBirthDate: '', IssuerOfPatientID: undefined });
    assert.deepEqual(identityConflicts(held, other), [
      'PatientID "PAT-1" vs "PAT-2"',
      'PatientName "DOE^JANE" vs "DOE^JOHN"',
      'PatientBirthDate "19700101" vs ""',
      'IssuerOfPatientID "HOSP" vs ""',
    ]);
  });
});
