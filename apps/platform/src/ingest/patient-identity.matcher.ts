import type { DicomInstance } from '@polyrad/dicom';

/** The attributes that say whose images a study holds. */
export interface PatientIdentity {
  PatientID: string;
  PatientName: string;
  PatientBirthDate: string;
  IssuerOfPatientID: string;
}

/** An instance's identity, normalised so encodings of the same value compare equal (padding, trailing empty name components, case). */
export function patientIdentityOf(instance: Pick<DicomInstance, 'PatientID' | 'PatientName' | 'PatientBirthDate' | 'IssuerOfPatientID'>): PatientIdentity {
  return {
    PatientID: instance.PatientID.trim(),
    PatientName: instance.PatientName.trim().replace(/[\^=\s]+$/, '').toUpperCase(),
    PatientBirthDate: instance.PatientBirthDate.trim(),
    IssuerOfPatientID: (instance.IssuerOfPatientID ?? '').trim(),
  };
}

/**
 * The attributes on which an incoming instance differs from what its study already holds, as
 * `Attribute "held" vs "incoming"`. An empty value counts as a value: a study is never silently given
 * or stripped of a patient ID, name, birth date or issuer.
 */
export function identityConflicts(held: PatientIdentity, incoming: PatientIdentity): string[] {
  return (Object.keys(held) as Array<keyof PatientIdentity>)
    .filter((key) => held[key] !== incoming[key])
    .map((key) => `${key} "${held[key]}" vs "${incoming[key]}"`);
}
