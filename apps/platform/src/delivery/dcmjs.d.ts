// dcmjs ships no type declarations; declare the part of its data API the SR writer and the C-STORE destination use.
declare module 'dcmjs' {
  type Naturalized = Record<string, unknown>;
  class DicomDict {
    constructor(meta: Naturalized);
    meta: Naturalized;
    dict: Naturalized;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  interface DicomMessage {
    readFile(buffer: ArrayBufferLike, options?: Record<string, unknown>): DicomDict;
  }
  interface DicomMetaDictionary {
    denaturalizeDataset(dataset: Naturalized): Naturalized;
    naturalizeDataset(dataset: Naturalized): Naturalized;
  }
  const dcmjs: { data: { DicomDict: typeof DicomDict; DicomMessage: DicomMessage; DicomMetaDictionary: DicomMetaDictionary } };
  export default dcmjs;
}
