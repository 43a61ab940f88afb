/** The part of dcmjs the DICOMweb module uses: reading a Part 10 buffer into DICOM JSON-like elements. */
declare module 'dcmjs' {
  interface DcmjsElement {
    vr?: string;
    Value?: unknown[];
    _rawValue?: unknown;
  }
  interface DicomDict {
    meta: Record<string, DcmjsElement>;
    dict: Record<string, DcmjsElement>;
  }
  const dcmjs: {
    data: {
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: { untilTag?: string; includeUntilTagValue?: boolean; ignoreErrors?: boolean }): DicomDict;
      };
    };
    log: { setLevel(level: string): void };
  };
  export default dcmjs;
}
