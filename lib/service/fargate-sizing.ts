/**
 * Task-level CPU and memory of Fargate tasks. Fargate runs a task only in one of a fixed set of sizes (ECS Developer
 * Guide, "Task CPU and memory"; RegisterTaskDefinition answers "Invalid 'cpu' setting for task" otherwise), so a
 * service either names one or gets the smallest that holds its containers. Pure, no CDK.
 */

/** A Fargate task size: CPU units (1,024 = one vCPU) and memory in MiB. */
export interface FargateTaskSize {
  readonly cpu: number;
  readonly memoryMiB: number;
}

/** The memory sizes (MiB) Fargate offers with each task CPU size, ascending. */
const MEMORY_BY_CPU: ReadonlyArray<readonly [number, readonly number[]]> = [
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16_384, 1024)],
  [4096, range(8192, 30_720, 1024)],
  [8192, range(16_384, 61_440, 4096)],
  [16_384, range(32_768, 122_880, 8192)],
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** The largest task Fargate runs: 16 vCPU and 120 GiB. */
export const LARGEST_FARGATE_TASK: FargateTaskSize = { cpu: 16_384, memoryMiB: 122_880 };

/** The task CPU sizes Fargate offers, ascending. */
export const FARGATE_CPU_SIZES: readonly number[] = MEMORY_BY_CPU.map(([cpu]) => cpu);

/** The memory sizes (MiB) Fargate offers with `cpu` units, or undefined when `cpu` is not a Fargate CPU size. */
export function fargateMemorySizes(cpu: number): readonly number[] | undefined {
  return MEMORY_BY_CPU.find(([c]) => c === cpu)?.[1];
}

/** Whether Fargate runs a task of `cpu` units and `memoryMiB`. */
export function isFargateTaskSize(cpu: number, memoryMiB: number): boolean {
  return fargateMemorySizes(cpu)?.includes(memoryMiB) ?? false;
}

/**
 * The smallest Fargate size with at least `cpu` units and `memoryMiB`: the fewest CPU units, then the least memory
 * (which is also the cheapest: a larger CPU size never offers less memory). Undefined when nothing is that large
 * (16 vCPU and 120 GiB is the most).
 */
export function smallestFargateTaskSize(cpu: number, memoryMiB: number): FargateTaskSize | undefined {
  for (const [c, memories] of MEMORY_BY_CPU) {
    if (c < cpu) continue;
    const memory = memories.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { cpu: c, memoryMiB: memory };
  }
  return undefined;
}

/** Why Fargate refuses a task of `cpu` units and `memoryMiB`, naming what it offers instead; undefined when it accepts it. */
export function fargateTaskSizeProblem(cpu: number, memoryMiB: number): string | undefined {
  const memories = fargateMemorySizes(cpu);
  if (!memories) return `${cpu} CPU units is not a Fargate task size (Fargate offers ${FARGATE_CPU_SIZES.join(', ')})`;
  if (memories.includes(memoryMiB)) return undefined;
  return `Fargate runs a task of ${cpu} CPU units with ${describeMemories(memories)} MiB, not ${memoryMiB} MiB`;
}

/** `512, 1024 or 2048`, or a range with its step for the long lists. */
export function describeMemories(memories: readonly number[]): string {
  if (memories.length <= 4) return `${memories.slice(0, -1).join(', ')} or ${memories[memories.length - 1]}`;
  return `${memories[0]} to ${memories[memories.length - 1]} in steps of ${memories[1] - memories[0]}`;
}
