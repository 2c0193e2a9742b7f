export * from './manifest.js';
export * from './dispatch.js';
export * from './child.js';
