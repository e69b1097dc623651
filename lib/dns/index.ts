export * from './asg-dns-record';
export * from './asg-dns-updater';
export * from './example';
export { DNS_LIFECYCLE_HOOK_NAME, DOMAIN_META_OPTIONS_TAG, DOMAIN_META_TAG } from '../../lambda/asg-dns-updater/tag';
