export { FleetDashboard } from './dashboard';
export type { FleetDashboardProps } from './dashboard';
