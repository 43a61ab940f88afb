// dcmjs ships no type declarations; declare the part of its data API the platform uses (the SR writer, the
// C-STORE destination, DICOMweb's DICOM JSON reader and the export's de-identification).
declare module 'dcmjs' {
  type Naturalized = Record<string, unknown>;
  /** one element of a denaturalized dataset, as read from or written to Part 10 */
  interface DcmjsElement {
    vr?: string;
    Value?: unknown[];
    _rawValue?: unknown;
  }
  class DicomDict {
    constructor(meta: Record<string, DcmjsElement>);
    meta: Record<string, DcmjsElement>;
    dict: Record<string, DcmjsElement>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  interface DicomMessage {
    readFile(buffer: ArrayBufferLike, options?: { untilTag?: string; includeUntilTagValue?: boolean; ignoreErrors?: boolean }): DicomDict;
  }
  interface DicomMetaDictionary {
    denaturalizeDataset(dataset: Naturalized): Record<string, DcmjsElement>;
    naturalizeDataset(dataset: Record<string, DcmjsElement>): Naturalized;
  }
  const dcmjs: {
    data: { DicomDict: typeof DicomDict; DicomMessage: DicomMessage; DicomMetaDictionary: DicomMetaDictionary };
    /** empties (or sets, by tag) the attributes of its PS3.15 basic-profile list in a denaturalized dataset */
    anonymizer: { cleanTags(dict: Record<string, DcmjsElement>, replace?: Record<string, string>): void };
    log: { setLevel(level: string): void };
  };
  export default dcmjs;
}
