export * from './seeded-random.js';
export * from './chest-phantom.generator.js';
