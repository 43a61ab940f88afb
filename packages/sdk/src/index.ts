// The public API of @polyrad/sdk, listed by name: what vendors build on. A change here must be reviewed in
// api/sdk.api.md (see the README: "The SDK's public API").
export { PolyradError, isPolyradError } from './errors.js';
export { SDK_VERSION } from './version.js';

export { labelCentroid, patientToVoxel, voxelCount, voxelToPatient, voxelVolumeMm3 } from './volume/volume.js';
export type { LabelMask, Vec3, Volume, VolumeGeometry, VoxelArray } from './volume/volume.js';

export type { AlgorithmManifest, ConsumedType, FindingDeclaration, ProducedType, RuntimeLimits } from './manifest/manifest.types.js';
export { manifestSchema } from './manifest/manifest.schema.js';
export { jsonSchemaErrors, readManifestFile, validateManifest } from './manifest/manifest-validator.js';
export type { EngineVersions } from './manifest/manifest-validator.js';
export { producersOf } from './manifest/producer.lookup.js';

export type { Criterion, CriterionBase, CriterionResult, MatchDecision } from './criteria/criterion.types.js';
export { matchCriteria } from './criteria/criteria-matcher.js';
export type { Fingerprint } from './criteria/criteria-matcher.js';

export type {
  Algorithm,
  AlgorithmContext,
  AlgorithmFinding,
  AlgorithmImplementation,
  AlgorithmInputs,
  AlgorithmOutputs,
  Artifact,
  FindingAssessment,
  MissingOutput,
  ReferenceRange,
  SeriesInput,
} from './algorithm/algorithm.types.js';
export { defineAlgorithm, readPackageManifest } from './algorithm/define-algorithm.js';
export { isNotAssessed, notAssessed } from './algorithm/not-assessed.js';
export { categoriseMeasurement, categoryFields } from './algorithm/borderline-category.js';
export type { CategoryCutoff, CategoryDecision, CategoryScale, IndeterminateCategory } from './algorithm/borderline-category.js';
export { algorithmFindingSchema, outputProblems, runPlugin } from './algorithm/plugin-runner.js';
export type { RunResult } from './algorithm/plugin-runner.js';
export { loadPlugin } from './algorithm/plugin-loader.js';
export { MODEL_INPUT_INVALID, MODEL_LOAD_FAILED, MODEL_RUN_FAILED } from './onnx/model-session.js';
export { volumePatches } from './onnx/volume-patches.js';
export type { ModelElementType, ModelProvider, ModelSession, ModelTensor, ModelTensorData, ModelValue } from './onnx/model-session.js';

export { DECISION_SUPPORT_NOTICE, REJECTION_REASONS } from './report/report.types.js';
export type { AlgorithmRun, ComparedFinding, FindingReview, ReaderFinding, RejectionReason, Report, ReportAmendment, ReportComparison, ReportFinding, ReportPriority, SeriesDecision } from './report/report.types.js';
export { isValidReport, reportSchema, reportSchemaErrors } from './report/report.schema.js';
export type { DeliveryAttemptRecord, DeliveryDestinationKind, DeliveryOutput, StudyDelivery } from './report/report-delivery.types.js';
export type { StudyActivity, StudyStage } from './report/study-activity.types.js';
export { notAssessedFindings, unavailableInputReason } from './report/not-assessed.findings.js';
export type { ProducerOutcome } from './report/not-assessed.findings.js';

export { squaredDistanceTransform } from './image/distance.transform.js';
export { IndexQueue, floodFill, labelConnectedComponents } from './image/connected-components.js';
export type { ComponentLabelling, ComponentStats } from './image/connected-components.js';
export { FACE_NEIGHBOURS, IN_SLICE_NEIGHBOURS, dilateBox, labelRegions } from './image/voxel-regions.js';
export type { Dimensions } from './image/voxel-regions.js';
export { SERIES_FINGERPRINT_FIELDS } from './criteria/series-fingerprint.js';
export type { BodyRegion, SeriesFingerprint } from './criteria/series-fingerprint.js';
