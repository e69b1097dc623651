#!/usr/bin/env node
// `npx cdk-container-fleet report <cdk.out> [--diff <previous cdk.out>] [--out <file>] [--log-gb N] [--nat-gb N]`:
// writes the review report (Markdown) to stdout or a file. No network, no AWS account.
import * as fs from 'fs';
import { CostAssumptions, DEFAULT_ASSUMPTIONS } from './cost';
import { reviewReport } from './report';

const USAGE = 'usage: cdk-container-fleet report <cdk.out> [--diff <previous cdk.out>] [--out <file>] [--log-gb <GB per log group>] [--nat-gb <GB per NAT gateway>] [--lcu <per load balancer>]';

/** Runs the command line; returns the exit code. */
export function main(argv: string[], write: (s: string) => void = (s) => process.stdout.write(s)): number {
  const [command, ...rest] = argv;
  if (command !== 'report') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let dir: string | undefined;
  let previous: string | undefined;
  let out: string | undefined;
  const assumptions: Record<string, number> = { ...DEFAULT_ASSUMPTIONS };
  const numbers: Record<string, keyof CostAssumptions> = { '--log-gb': 'logGbPerGroup', '--nat-gb': 'natGbPerMonth', '--lcu': 'lcuPerLoadBalancer' };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = rest[i + 1];
    if (arg === '--diff' || arg === '--out' || arg in numbers) {
      if (value === undefined) { process.stderr.write(`${arg} needs a value\n${USAGE}\n`); return 2; }
      i++;
      if (arg === '--diff') previous = value;
      else if (arg === '--out') out = value;
      else {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) { process.stderr.write(`${arg} '${value}' is not a number of 0 or more\n`); return 2; }
        assumptions[numbers[arg]] = n;
      }
    } else if (dir === undefined && !arg.startsWith('--')) {
      dir = arg;
    } else {
      process.stderr.write(`unexpected '${arg}'\n${USAGE}\n`);
      return 2;
    }
  }
  if (dir === undefined) { process.stderr.write(`${USAGE}\n`); return 2; }
  try {
    const markdown = reviewReport(dir, { previous, assumptions: assumptions as CostAssumptions });
    if (out) fs.writeFileSync(out, markdown);
    else write(markdown);
    return 0;
  } catch (error) {
    process.stderr.write(`cdk-container-fleet report: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
