/**
 * The review report: Markdown fit for a pull-request comment, per stack of a cloud assembly — a Mermaid diagram, the
 * services and routes, a monthly cost estimate with its assumptions — and, given the previous assembly, what changed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readStack, stacksOf } from '../update-check/assembly';
import { checkUpdate } from '../update-check/check';
import { CostAssumptions, CostEstimate, estimateCost, withDefaults } from './cost';
import { mermaidDiagram } from './mermaid';
import { StackModel, stackModel } from './model';
import { PRICE_SOURCES, PRICES_AS_OF } from './prices';

/** Options of {@link reviewReport}. */
export interface ReviewReportOptions {
  /**
   * The previous cloud assembly (`cdk.out` of main, or of the last deploy): adds what changed and the cost delta.
   *
   * @default - no comparison
   */
  readonly previous?: string;
  /**
   * What the cost estimate assumes where a template cannot say.
   *
   * @default - 730 hours a month, 1 LCU per load balancer, 10 GB per NAT gateway, 1 GB of logs per log group
   */
  readonly assumptions?: CostAssumptions;
}

interface StackReport {
  readonly model: StackModel;
  readonly cost: CostEstimate;
}

/** The region of each stack from the assembly's manifest (`aws://<account>/<region>`), when it has one. */
function regionsOf(dir: string): Record<string, string | undefined> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const out: Record<string, string | undefined> = {};
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
    out[id] = region === undefined || region === 'unknown-region' ? undefined : region;
  }
  return out;
}

/** The model and estimate of every stack of an assembly. */
export function reportStacks(dir: string, assumptions: CostAssumptions = {}): StackReport[] {
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    throw new Error(`${dir} is not a cloud assembly (no manifest.json): give the output folder of \`cdk synth\` (cdk.out)`);
  }
  const regions = regionsOf(dir);
  return stacksOf(dir).map((stack) => {
    const model = stackModel(readStack(dir, stack), regions[stack]);
    return { model, cost: estimateCost(model, assumptions) };
  });
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const signed = (n: number) => `${n >= 0 ? '+' : '−'}$${Math.abs(n).toFixed(2)}`;
/** Text for a table cell or code span: one line, no pipe, no backtick (which would end the code span). */
const cell = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|').replace(/`/g, "'");

function routeText(r: { host?: string; path?: string; port?: string }): string {
  return [r.host && `host ${r.host}`, r.path && `path ${r.path}`, r.port].filter(Boolean).join(', ') || 'default';
}

/** Every route of a model as `<load balancer> <conditions> → <service names>`, for tables and diffs. */
function routesOf(model: StackModel): string[] {
  const names = new Map(model.services.map((s) => [s.id, s.name]));
  return model.loadBalancers.flatMap((lb) => lb.routes.map((r) => `${lb.name}: ${routeText(r)} → ${r.services.map((s) => names.get(s) ?? s).join(', ') || 'nothing'}`));
}

function stackSection(r: StackReport): string[] {
  const { model, cost } = r;
  const out = [`## ${model.stack}${model.region ? ` (${model.region})` : ''}`, '', '```mermaid', mermaidDiagram(model), '```', ''];
  if (model.services.length > 0) {
    out.push('| service | image | tasks | capacity |', '|---|---|---|---|');
    const groups = new Map(model.groups.map((g) => [g.id, g.name]));
    for (const s of model.services) {
      out.push(`| ${cell(s.name)} | \`${cell(s.image)}\` | ${s.scaling ? `${s.scaling.min}–${s.scaling.max}` : s.desired ?? 'scaled'} | ${s.fargate ? 'Fargate' : groups.get(s.capacity ?? '') ?? '—'} |`);
    }
    out.push('');
  }
  const routes = routesOf(model);
  if (routes.length > 0) out.push('Routes:', '', ...routes.map((x) => `- ${x}`), '');
  out.push(`**Estimated ${usd(cost.totalUsdPerMonth)} per month**, priced as ${cost.pricedAs}${cost.regionNote ? ` (${cost.regionNote})` : ''}.`, '');
  out.push('| item | basis | USD/month |', '|---|---|---:|');
  for (const l of cost.lines) out.push(`| ${cell(l.item)} | ${cell(l.basis)} | ${l.usdPerMonth.toFixed(2)} |`);
  if (cost.unpriced.length > 0) out.push('', `Not priced (no price in the table): ${cost.unpriced.join(', ')}.`);
  out.push('');
  return out;
}

function diffSection(before: StackReport | undefined, after: StackReport | undefined, previousDir: string, dir: string): string[] {
  const name = (after ?? before)!.model.stack;
  if (!before) return [`- **${name}**: new stack, ${usd(after!.cost.totalUsdPerMonth)} per month`];
  if (!after) return [`- **${name}**: removed, ${signed(-before.cost.totalUsdPerMonth)} per month`];
  const lines: string[] = [];
  const services = (m: StackModel) => new Map(m.services.map((s) => [s.name, s]));
  const [b, a] = [services(before.model), services(after.model)];
  for (const s of a.keys()) if (!b.has(s)) lines.push(`service **${s}** added`);
  for (const s of b.keys()) if (!a.has(s)) lines.push(`service **${s}** removed`);
  const update = checkUpdate(readStack(previousDir, name), readStack(dir, name));
  const replaced = new Set(update.replaced.map((x) => x.resource));
  for (const [s, svc] of a) {
    if (!b.has(s)) continue;
    const old = b.get(s)!;
    if (replaced.has(svc.id)) lines.push(`service **${s}** replaced`);
    if (old.image !== svc.image) lines.push(`service **${s}** image \`${old.image}\` → \`${svc.image}\``);
    if (old.desired !== svc.desired) lines.push(`service **${s}** tasks ${old.desired ?? 'scaled'} → ${svc.desired ?? 'scaled'}`);
  }
  const [rb, ra] = [new Set(routesOf(before.model)), new Set(routesOf(after.model))];
  for (const r of ra) if (!rb.has(r)) lines.push(`route added: ${r}`);
  for (const r of rb) if (!ra.has(r)) lines.push(`route removed: ${r}`);
  const delta = after.cost.totalUsdPerMonth - before.cost.totalUsdPerMonth;
  const head = `- **${name}**: ${signed(delta)} per month (${usd(before.cost.totalUsdPerMonth)} → ${usd(after.cost.totalUsdPerMonth)})`;
  return [head, ...lines.map((l) => `  - ${l}`)];
}

/**
 * The whole report as Markdown.
 *
 * TypeScript only; from other languages use `ReviewReport.markdown`.
 *
 * @jsii ignore
 */
export function reviewReport(dir: string, options: ReviewReportOptions = {}): string {
  const assumptions = withDefaults(options.assumptions);
  const stacks = reportStacks(dir, assumptions);
  const total = stacks.reduce((sum, s) => sum + s.cost.totalUsdPerMonth, 0);
  const out = ['# Review report', ''];
  out.push('| stack | region | services | routes | USD/month |', '|---|---|---:|---:|---:|');
  for (const s of stacks) {
    out.push(`| ${s.model.stack} | ${s.model.region ?? '—'} | ${s.model.services.length} | ${routesOf(s.model).length} | ${s.cost.totalUsdPerMonth.toFixed(2)} |`);
  }
  out.push(`| **all** | | | | **${total.toFixed(2)}** |`, '');
  if (options.previous) {
    const before = reportStacks(options.previous, assumptions);
    const names = [...new Set([...before.map((s) => s.model.stack), ...stacks.map((s) => s.model.stack)])];
    const byName = (list: StackReport[], n: string) => list.find((s) => s.model.stack === n);
    const previousTotal = before.reduce((sum, s) => sum + s.cost.totalUsdPerMonth, 0);
    out.push('## Changes', '', `Compared with \`${options.previous}\`: ${signed(total - previousTotal)} per month in all.`, '');
    for (const n of names) out.push(...diffSection(byName(before, n), byName(stacks, n), options.previous, dir));
    out.push('');
  }
  for (const s of stacks) out.push(...stackSection(s));
  out.push('## Assumptions', '',
    `- On-demand list prices of ${PRICES_AS_OF} (Linux, no Savings Plans, Reserved Instances, Spot or free tier), shipped with the package: ${Object.values(PRICE_SOURCES).join('; ')}.`,
    `- ${assumptions.hoursPerMonth} hours a month; each Auto Scaling group at its desired size, or its minimum when the template leaves the desired size to scaling.`,
    `- ${assumptions.lcuPerLoadBalancer} capacity unit per load balancer; ${assumptions.natGbPerMonth} GB through each NAT gateway; ${assumptions.logGbPerGroup} GB ingested per log group; ${assumptions.efsGbPerFileSystem} GB per EFS file system.`,
    '- Not counted: data transfer out, S3 requests and storage, Lambda, Step Functions, EventBridge, Container Insights metrics, CloudWatch metrics other than alarms, DynamoDB on demand, SQS and SSM requests: small for a fleet like this, and driven by traffic the template cannot know.',
    '');
  return out.join('\n');
}

/** The review report for every CDK language (jsii: a static method rather than a module function). */
export class ReviewReport {
  /** The report of the cloud assembly in `dir` as Markdown; see {@link reviewReport}. */
  public static markdown(dir: string, options: ReviewReportOptions = {}): string {
    return reviewReport(dir, options);
  }

  private constructor() {}
}
