// The review report of a cloud assembly: a Mermaid diagram, services, routes and a monthly cost estimate per stack
// (`npx cdk-container-fleet report cdk.out`). The model, prices and estimate behind it are internal.
export { reviewReport, ReviewReport } from './report';
export type { ReviewReportOptions } from './report';
export type { CostAssumptions } from './cost';
