export * from './seeded-random.js';
export * from './phantom-scene.js';
export * from './chest-phantom.generator.js';
export * from './features/aorta.feature.js';
export * from './features/heart.feature.js';
export * from './features/spine.feature.js';
export * from './features/nodules.feature.js';
