/** Types of third-party-notices.cjs, for the tests that load it. */
export interface EsbuildMetafile {
  readonly inputs: Record<string, unknown>;
}
export interface PackageNotice {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly texts: Array<{ readonly source: string; readonly text: string }>;
}
export function packageDirOf(input: string): string | undefined;
export function bundledPackages(metafiles: Record<string, EsbuildMetafile>): Map<string, string[]>;
export function packageNotice(root: string, dir: string, standardTexts: Record<string, string>): PackageNotice;
export function thirdPartyNotices(options: {
  readonly root: string;
  readonly metafiles: Record<string, EsbuildMetafile>;
  readonly productName: string;
  readonly standardTexts: Record<string, string>;
}): string;
