export { AsgDnsRecord } from './asg-dns-record';
export type { AsgDnsRecordProps, DnsAddressType } from './asg-dns-record';
export { AsgDnsUpdater } from './asg-dns-updater';
export type { AsgDnsUpdaterProps, WatchTaggedGroupsOptions } from './asg-dns-updater';
