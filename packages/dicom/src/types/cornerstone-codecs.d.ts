// The codec packages ship Emscripten factories without type declarations; declare the decoder surface we use.
declare module '@cornerstonejs/codec-shared' {
  export interface WasmFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  }
  export interface WasmImageDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    decode(): void;
    getDecodedBuffer(): Uint8Array;
    getFrameInfo(): WasmFrameInfo;
    /** JPEG-LS only: 0 = planes one after another, 1 = line, 2 = sample interleaved. */
    getInterleaveMode?(): number;
    delete(): void;
  }
  export type WasmCodecModule = Record<string, unknown>;
  export type WasmCodecFactory = (options?: Record<string, unknown>) => Promise<WasmCodecModule>;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: import('@cornerstonejs/codec-shared').WasmCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: import('@cornerstonejs/codec-shared').WasmCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: import('@cornerstonejs/codec-shared').WasmCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: import('@cornerstonejs/codec-shared').WasmCodecFactory;
  export default factory;
}
