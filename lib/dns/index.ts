export { AsgDnsRecord, DnsAddressType, WhenEmpty } from './asg-dns-record';
export type { AsgDnsRecordProps } from './asg-dns-record';
export { AsgDnsUpdater } from './asg-dns-updater';
export type { AsgDnsUpdaterProps, WatchTaggedGroupsOptions } from './asg-dns-updater';
