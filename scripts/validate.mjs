// npm run validate: runs the whole bundled suite as a user would (`polyrad analyze`) on phantoms the
// suite was never tuned on and on every real CT in ../shared/data/ct, and compares every finding with
// the phantom's truth or the readers' annotations, and phantom pairs of one patient at two dates
// (`analyze --prior`) with the drawn change. Prints a Markdown report and a last line "honest: yes|no"
// (no: a measured finding out of tolerance, a wrong negative/normal statement, or a pair's comparison off).
// Exit 0 unless the script itself failed. The scoring lives in packages/phantom/src/validation.
//
//   node scripts/validate.mjs [--dev | --seeds a-b] [--jobs N] [--json file] [--markdown file]
//                             [--real-only | --phantoms-only | --pairs-only]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { scanDicomInputs, writeCtSeries } from '@polyrad/dicom';
import * as phantom from '@polyrad/phantom';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, process.env.POLYRAD_TEST_DATA ?? '../shared/data');
const cli = join(root, 'apps/platform/bin/polyrad.js');
// development seeds may be looked at while tuning; reporting seeds only ever by this script (40 by default)
const DEV_SEEDS = [phantom.DEVELOPMENT_SEEDS[0], phantom.DEVELOPMENT_SEEDS.at(-1)];
const REPORTING_SEEDS = [phantom.REPORTING_SEEDS[0], phantom.REPORTING_SEEDS[39]];
const CASE_TIMEOUT_MS = 15 * 60_000;

const { values: args } = parseArgs({
  options: {
    dev: { type: 'boolean', default: false },
    seeds: { type: 'string' },
    jobs: { type: 'string', default: '1' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    'real-only': { type: 'boolean', default: false },
    'phantoms-only': { type: 'boolean', default: false },
    'pairs-only': { type: 'boolean', default: false },
  },
});
const [seedFrom, seedTo] = args.seeds ? args.seeds.split('-').map(Number) : args.dev ? DEV_SEEDS : REPORTING_SEEDS;
if (!Number.isInteger(seedFrom) || !Number.isInteger(seedTo ?? seedFrom)) throw new Error(`--seeds ${args.seeds}: expected a-b, e.g. 9240-9279`);
const seeds = Array.from({ length: (seedTo ?? seedFrom) - seedFrom + 1 }, (_, i) => seedFrom + i);
const jobs = Math.max(1, Number(args.jobs) || 1);
const work = mkdtempSync(join(tmpdir(), 'polyrad-validate-'));
const log = (line) => process.stderr.write(`${line}\n`);
/** process groups of the `polyrad analyze` runs in progress */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) process.kill(-pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** `polyrad analyze <inputs> --out <dir>`; resolves with the exit code, the output and report.json (when written) */
function analyze(inputs, out) {
  return new Promise((done) => {
    // its own process group, so a time-out takes the plugin workers with it
    const child = spawn(process.execPath, [cli, 'analyze', ...inputs, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child.pid);
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), CASE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      const path = join(out, 'report.json');
      done({ code: code ?? signal, output: output.trim(), report: existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined });
    });
  });
}

// GE's names for soft-tissue, standard and lung (sharp) reconstruction kernels
const KERNEL_NAMES = { soft: 'SOFT', standard: 'STANDARD', sharp: 'LUNG' };
const contrastInHeader = (options) => options.contrast && options.seed % 2 === 0;

async function phantomCase(seed) {
  const caseId = `seed ${seed}`;
  const dir = join(work, `seed-${seed}`);
  try {
    const options = phantom.sampleChestCase(seed);
    const { volume, truth } = phantom.generateChestPhantom(options);
    await writeCtSeries(volume, join(dir, 'dicom'), {
      PatientID: `PHANTOM-${seed}`,
      StudyDate: '20260101',
      PatientPosition: options.feetFirst ? 'FFS' : 'HFS',
      ConvolutionKernel: KERNEL_NAMES[options.kernel ?? 'standard'],
      // half of the contrast cases do not name the agent, as many real headers do not
      ...(contrastInHeader(options) ? { ContrastBolusAgent: 'IODINE' } : {}),
      seed,
    });
    const started = performance.now();
    const run = await analyze([join(dir, 'dicom')], join(dir, 'out'));
    const seconds = (performance.now() - started) / 1000;
    if (!run.report) throw new Error(`polyrad analyze exited ${run.code} without a report: ${run.output.split('\n').slice(-3).join(' / ')}`);
    const score = phantom.scorePhantomCase(caseId, run.report, truth);
    const [d0, , d2] = options.dimensions;
    const acquisition = [
      `${d0}² x ${d2}, ${options.spacing[0].toFixed(2)} mm pixels, ${options.spacing[2]} mm slices`,
      options.kernel && `${options.kernel} kernel`,
      `noise ${options.noiseSd.toFixed(0)} HU`,
      options.contrast ? `contrast${contrastInHeader(options) ? '' : ' (not named in the header)'}` : 'non-contrast',
      options.feetFirst && 'feet-first',
      options.bodyWidthMm && `body ${options.bodyWidthMm.toFixed(0)} mm`,
      options.arms === 'down' && 'arms down',
    ]
      .filter(Boolean)
      .join(', ');
    return { ...score, seed, seconds, acquisition };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A prior pair: both exams written as DICOM, `analyze <current> --prior <prior>`, scored against the drawn change. */
async function pairCase(pair) {
  const dir = join(work, `pair-${pair.seed}`);
  try {
    const { prior, current, rescanned } = phantom.generatePriorPair(pair);
    const patient = { PatientID: `PAIR-${pair.seed}`, seed: pair.seed };
    await writeCtSeries(prior.volume, join(dir, 'prior'), { ...patient, StudyDate: pair.priorDate });
    await writeCtSeries(rescanned, join(dir, 'now'), { ...patient, StudyDate: pair.currentDate });
    const started = performance.now();
    const run = await analyze([join(dir, 'now'), '--prior', join(dir, 'prior')], join(dir, 'out'));
    const seconds = (performance.now() - started) / 1000;
    if (!run.report) throw new Error(`polyrad analyze --prior exited ${run.code} without a report: ${run.output.split('\n').slice(-3).join(' / ')}`);
    return { pair: pair.name, seconds, outcomes: phantom.scorePriorPair(pair, run.report, prior, current) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ImagePositionPatient etc. of one instance, as the pure readers take them */
const sliceGeometry = (instance) => ({
  position: instance.ImagePositionPatient,
  rowDirection: instance.ImageOrientationPatient.slice(0, 3),
  columnDirection: instance.ImageOrientationPatient.slice(3, 6),
  pixelSpacing: instance.PixelSpacing,
});

/** a NIfTI CT written as a DICOM series (the CLI reads DICOM only); returns the folder */
async function niftiAsDicom(file, dir, contrast) {
  const volume = phantom.readNiftiVolume(gunzipSync(readFileSync(file)));
  await writeCtSeries(volume, dir, { PatientID: 'TOTALSEGMENTATOR', StudyDate: '20260101', ...(contrast ? { ContrastBolusAgent: 'IODINE' } : {}), seed: 1 });
  return dir;
}

/** the real CTs in ../shared/data/ct and their independent references (see its README) */
async function realCases() {
  const ct = join(data, 'ct');
  const lidc = async (name, xml) => {
    const dir = join(ct, name, 'jpeg-lossless-sv1');
    const { instances } = await scanDicomInputs([dir]);
    const references = phantom.lidcReferenceNodules(readFileSync(join(ct, name, xml), 'utf8'), sliceGeometry(instances[0]), 3);
    return { title: `${name} (contrast, 2.5 mm)`, inputs: [dir], reference: { nodules: references }, notes: [`Reference: LIDC reader outlines in \`${xml}\`, lesions marked by at least 3 of 4 readers.`] };
  };
  const cases = [];
  if (existsSync(join(ct, 'lidc-idri-0001'))) cases.push(() => lidc('lidc-idri-0001', '069.xml'));
  if (existsSync(join(ct, 'lidc-idri-0003'))) cases.push(() => lidc('lidc-idri-0003', '072.xml'));
  const petCt = join(ct, 'lung-pet-ct-dx-a0001');
  if (existsSync(petCt)) {
    const series = readdirSync(petCt).filter((d) => /mm/.test(d)).sort();
    const boxReference = async () => {
      const { instances } = await scanDicomInputs(series.map((s) => join(petCt, s)));
      const bySop = new Map(instances.map((i) => [i.SOPInstanceUID, i]));
      const boxes = readdirSync(join(petCt, 'annotations')).flatMap((file) => {
        const instance = bySop.get(file.replace(/\.xml$/, ''));
        const parsed = phantom.parseVocBoxes(readFileSync(join(petCt, 'annotations', file), 'utf8'));
        return instance ? parsed.map((box) => ({ box, slice: sliceGeometry(instance) })) : [];
      });
      return { reference: phantom.vocBoxesReference(boxes, 'solid'), boxes: boxes.length };
    };
    for (const s of series) {
      cases.push(async () => {
        const { reference, boxes } = await boxReference();
        return {
          title: `lung-pet-ct-dx-a0001 ${s} (non-contrast, 5 mm)`,
          inputs: [join(petCt, s)],
          reference: { nodules: reference ? [reference] : [] },
          notes: [`Reference: the dataset readers' boxes (${boxes} on the slices of this study, Pascal VOC per SOPInstanceUID), mapped to LPS with each slice's geometry; long axis = the longest box side.`],
        };
      });
    }
  }
  const ts = join(ct, 'totalsegmentator');
  if (existsSync(join(ts, 'example_ct_dicom'))) {
    cases.push(async () => ({
      title: 'totalsegmentator example_ct_dicom (20 slices, upper abdomen, contrast, empty UIDs)',
      inputs: [join(ts, 'example_ct_dicom')],
      reference: {},
      notes: ['No chest and no annotations: recorded to show what the suite does with an abdominal series whose UIDs are empty.'],
    }));
  }
  const aortaCrop = join(ts, 'aorta_report/test_result_models/ct_cropped.nii.gz');
  const aortaReport = join(ts, 'aorta_report/example_ct_report/aorta_report.json');
  if (existsSync(aortaCrop) && existsSync(aortaReport)) {
    cases.push(async (scratch) => {
      const stats = JSON.parse(readFileSync(aortaReport, 'utf8')).section_stats;
      const source = (section) => `TotalSegmentator aorta report, ${section} max_diameter ${stats[section].max_diameter} cm`;
      return {
        title: 'totalsegmentator aorta crop (CT angiogram, 1.5 mm, NIfTI written as DICOM)',
        inputs: [await niftiAsDicom(aortaCrop, join(scratch, 'dicom'), true)],
        reference: {
          measurements: [
            { code: 'aorta.ascending.diameter', value: 10 * stats.aorta_ascending.max_diameter, tolerance: phantom.aortaDiameterTolerance, source: source('aorta_ascending') },
            { code: 'aorta.descending.diameter', value: 10 * stats.aorta_descending.max_diameter, tolerance: phantom.aortaDiameterTolerance, source: source('aorta_descending') },
          ],
        },
        notes: [
          'A 180 x 189 x 246 mm crop around the aorta of a contrast CT; the reference report shows a false lumen in the descending aorta (dissection). Its diameters are maximal over each segment; the plugin measures maximal axial diameters.',
        ],
      };
    });
  }
  const spineCt = join(ts, 'example_ct.nii.gz');
  const spineReport = join(ts, 'spine_report/example_ct_report/spine_report.json');
  if (existsSync(spineCt) && existsSync(spineReport)) {
    cases.push(async (scratch) => {
      const results = JSON.parse(readFileSync(spineReport, 'utf8')).results;
      const levels = ['L1', 'L2', 'L3', 'L4', 'L5'].filter((l) => results[`vertebrae_${l}_intensity`] !== undefined);
      const per = levels.map((l) => {
        const h = (side) => results[`vertebrae_${l}_height_${side}_mm`];
        return `${l} ${results[`vertebrae_${l}_intensity`]} HU (median ${results[`vertebrae_${l}_intensity_median`]}), heights a/m/p ${h('anterior')}/${h('middle')}/${h('posterior')} mm`;
      });
      return {
        title: 'totalsegmentator example_ct (3 mm, NIfTI written as DICOM)',
        inputs: [await niftiAsDicom(spineCt, join(scratch, 'dicom'), false)],
        reference: {},
        notes: [
          `TotalSegmentator spine report (whole vertebral body masks, not a trabecular ROI, so not scored against the ±20 HU tolerance): ${per.join('; ')}.`,
        ],
      };
    });
  }
  return cases;
}

async function realCase(describe, index) {
  const scratch = join(work, `real-${index}`);
  try {
    const c = await describe(scratch);
    const out = join(scratch, 'out');
    const started = performance.now();
    const run = await analyze(c.inputs, out);
    const seconds = (performance.now() - started) / 1000;
    if (!run.report) {
      const lines = run.output.split('\n').filter(Boolean).slice(-4).join(' / ');
      return { ...c, seconds, score: { caseId: c.title, outcomes: [], nodules: [], falsePositives: null, failures: [] }, markdown: `### ${c.title}\n\n${c.notes.join('\n\n')}\n\n\`polyrad analyze\` exited ${run.code} without a report: ${lines}` };
    }
    const score = phantom.scoreRealCase(c.title, run.report, c.reference);
    return { ...c, seconds, score, markdown: phantom.formatRealCase(c.title, run.report, score, c.reference, c.notes) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** runs the tasks, at most `jobs` at a time, in order of the list */
async function pool(tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

try {
  const only = args['real-only'] || args['phantoms-only'] || args['pairs-only'];
  const pairTasks = only && !args['pairs-only']
    ? []
    : phantom.PRIOR_PAIRS.map((pair, i) => async () => {
        try {
          const r = await pairCase(pair);
          log(`[pair ${i + 1}/${phantom.PRIOR_PAIRS.length}] ${pair.name}: ${r.seconds.toFixed(0)} s; ${r.outcomes.filter((o) => o.within === false).length} off`);
          return r;
        } catch (error) {
          log(`[pair ${i + 1}/${phantom.PRIOR_PAIRS.length}] ${pair.name}: FAILED ${error.message}`);
          return { pair: pair.name, error: error.message, outcomes: [{ pair: pair.name, item: 'validate', truth: '–', reported: `failed: ${error.message}`, within: false }] };
        }
      });
  const phantomTasks = only && !args['phantoms-only']
    ? []
    : seeds.map((seed, i) => async () => {
        try {
          const r = await phantomCase(seed);
          const bad = r.outcomes.filter((o) => o.wrongNegative || (o.status === 'measured' && o.within === false)).length;
          log(`[${i + 1}/${seeds.length}] seed ${seed}: ${r.seconds.toFixed(0)} s, ${r.acquisition}; ${bad} out of tolerance or wrong negative`);
          return r;
        } catch (error) {
          log(`[${i + 1}/${seeds.length}] seed ${seed}: FAILED ${error.message}`);
          return { seed, caseId: `seed ${seed}`, error: error.message, outcomes: [], nodules: [], falsePositives: null, failures: [`validate: ${error.message}`] };
        }
      });
  const realTasks = only && !args['real-only'] ? [] : (await realCases()).map((describe, i) => async () => {
    try {
      const r = await realCase(describe, i);
      log(`[real] ${r.title}: ${r.seconds.toFixed(0)} s`);
      return r;
    } catch (error) {
      log(`[real] case ${i + 1}: FAILED ${error.message}`);
      const failures = [`validate: ${error.message}`];
      return { title: `real case ${i + 1}`, error: error.message, score: { caseId: `real case ${i + 1}`, outcomes: [], nodules: [], falsePositives: null, failures }, markdown: `### real case ${i + 1}\n\nvalidate failed: ${error.message}` };
    }
  });
  if ((!only || args['real-only']) && realTasks.length === 0) log(`no real CTs found under ${join(data, 'ct')} (set POLYRAD_TEST_DATA)`);
  const results = await pool([...phantomTasks, ...realTasks, ...pairTasks]);
  const phantoms = results.slice(0, phantomTasks.length);
  const real = results.slice(phantomTasks.length, phantomTasks.length + realTasks.length);
  const pairs = results.slice(phantomTasks.length + realTasks.length);
  const scores = [...phantoms, ...real.map((r) => r.score)];
  const pairOutcomes = pairs.flatMap((p) => p.outcomes);
  const honest = phantom.isHonest(scores) && results.every((r) => !r.error) && pairOutcomes.every((o) => o.within !== false);

  const range = `${seeds[0]}–${seeds[seeds.length - 1]}`;
  const kind = seeds[0] >= REPORTING_SEEDS[0] ? 'reporting seeds, never used while tuning' : seeds[seeds.length - 1] < REPORTING_SEEDS[0] && seeds[0] >= phantom.RETIRED_REPORTING_SEEDS[0] ? 'retired reporting seeds, debugged one by one since: development seeds now' : seeds[0] >= DEV_SEEDS[0] && seeds[seeds.length - 1] <= DEV_SEEDS[1] ? 'development seeds' : 'custom seeds';
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
  const md = [`# Validation report`, '', `\`npm run validate\` on ${new Date().toISOString().slice(0, 10)}${commit ? ` at commit ${commit}` : ''}: the whole bundled suite (\`polyrad analyze\`), compared with independent truth.`, ''];
  if (phantoms.length) {
    const outcomes = phantoms.flatMap((p) => p.outcomes);
    md.push(
      `## Phantoms: ${phantoms.length} cases, seeds ${range} (${kind})`,
      '',
      'Errors are absolute, in the unit shown (% = relative to the truth). "not assessed": the plugin declined with a reason; "missing": neither a value nor a reason. "wrong negative/normal": a measured negative or normal statement (Lung-RADS 1/2, CAC 0, normal size, no fracture) that the truth contradicts.',
      '',
      phantom.formatFindingTable(outcomes),
      '',
      '### Nodules',
      '',
      phantom.formatNoduleTable(phantoms),
      '',
      '### Acquisitions',
      '',
      phantoms.map((p) => `- ${p.caseId}: ${p.acquisition ?? `failed: ${p.error}`}`).join('\n'),
      '',
      '### Out of tolerance, wrong negative statements, failures',
      '',
      phantom.formatProblems(phantoms),
      '',
    );
  }
  if (real.length) {
    md.push('## Real CTs', '', ...real.flatMap((r) => [r.markdown, '']));
    const problems = phantom.formatProblems(real.map((r) => r.score));
    md.push('### Real CTs: out of tolerance, wrong negative statements, failures', '', problems, '');
  }
  if (pairs.length) {
    md.push(
      `## Prior pairs: ${pairs.length} phantom patients at two dates (\`analyze --prior\`)`,
      '',
      'Each pair is one seed drawn twice with the change named; the later exam re-acquired otherwise (table position, slice thickness, field of view, rotation). Matched: the reported prior of each nodule is that nodule on the prior. VDT truth from the drawn volumes (t ln2 / ln(V2/V1)); aortic change from the drawn diameters.',
      '',
      phantom.formatPairTable(pairOutcomes),
      '',
    );
  }
  md.push(`honest: ${honest ? 'yes' : 'no'}`);
  const markdown = md.join('\n');
  console.log(markdown);
  if (args.markdown) writeFileSync(args.markdown, `${markdown}\n`);
  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify({ seeds: range, honest, phantoms, real: real.map(({ title, seconds, score, reference }) => ({ title, seconds, reference, ...score })), pairs }, null, 1),
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
