// Durations and sizes are read by core's one parser; re-exported for the config loader.
export { parseBytes, parseDuration } from '@switchyard/core';
