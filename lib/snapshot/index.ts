// Snapshot tests that survive releases: a jest/vitest serializer and the normaliser behind it.
export { normalizeTemplate } from './normalize';
export { fleetSnapshotSerializer, SnapshotNormalizer } from './serializer';
export type { SnapshotSerializer } from './serializer';
