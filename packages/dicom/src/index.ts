export * from './dicom-instance.types.js';
export { TransferSyntax, transferSyntaxName } from './transfer-syntax.names.js';
export { readDicomHeader, DICOMDIR_SOP_CLASS_UID, type ReadDicomHeaderOptions } from './dicom-file.reader.js';
export { isWithin, scanDicomInputs, type ScanDicomInputsOptions } from './dicom-input.scanner.js';
export { groupSeries } from './series.grouper.js';
export { loadVolume, type LoadedVolume } from './volume.assembler.js';
export { CT_AIR_HU } from './frame-store.js';
export {
  registerPixelDecoder,
  supportedTransferSyntaxes,
  preparePixelDecoders,
  type PixelDecoder,
  type PixelFrameRequest,
  type StoredSamples,
} from './pixel-decoder.registry.js';
export { writeCtSeries, CT_IMAGE_STORAGE, type CtSeriesMeta, type WrittenCtSeries } from './ct-series.writer.js';
export { generateDicomUid } from './dicom-uid.generator.js';
export { encodePart10 } from './explicit-vr-le.encoder.js';
