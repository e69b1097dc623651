export { FileSecret } from './file-secret';
export type { FileSecretProps, SecretSealingKey } from './file-secret';
export { SealOutcome } from './seal';
